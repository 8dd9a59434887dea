/**
 * Chinese mobile number ranges by carrier, kept as data.
 *
 * Source: MIIT numbering allocations as summarised in "Telephone numbers in China" (Wikipedia,
 * mobile prefixes table) and the carriers' published virtual-operator (MVNO) ranges. Virtual
 * operators (虚拟运营商) hold 162, 165, 167, 170 and 171: cheap, loosely verified SIMs that SIM
 * farms favour. 140–144, 146, 148 are IoT / data-only ranges that no person should claim with.
 * Review when MIIT allocates new prefixes; an unknown prefix yields carrier "unknown".
 */
export const CARRIER_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  china_mobile: ['134', '135', '136', '137', '138', '139', '147', '150', '151', '152', '157', '158', '159', '172', '178', '182', '183', '184', '187', '188', '195', '197', '198'],
  china_unicom: ['130', '131', '132', '145', '155', '156', '166', '175', '176', '185', '186', '196'],
  china_telecom: ['133', '149', '153', '173', '174', '177', '180', '181', '189', '190', '191', '193', '199'],
  china_broadnet: ['192'],
  virtual: ['162', '165', '167', '170', '171'],
  iot: ['140', '141', '142', '143', '144', '146', '148'],
};

/** Prefix → carrier, built once. */
export const CARRIER_BY_PREFIX: ReadonlyMap<string, string> = new Map(
  Object.entries(CARRIER_PREFIXES).flatMap(([carrier, prefixes]) => prefixes.map((p) => [p, carrier] as const)),
);
