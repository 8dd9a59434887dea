import { CARRIER_BY_PREFIX } from './phone-ranges.js';

export interface PhoneFacts {
  readonly carrier: string;
  readonly virtual: boolean;
  readonly iot: boolean;
  /** First 7 digits: prefix + HLR block, the unit SIM cards are sold in. */
  readonly segment: string;
}

/** Facts about a normalized 11-digit Chinese mobile number. */
export function phoneFacts(national: string): PhoneFacts {
  const carrier = CARRIER_BY_PREFIX.get(national.slice(0, 3)) ?? 'unknown';
  return { carrier, virtual: carrier === 'virtual', iot: carrier === 'iot', segment: national.slice(0, 7) };
}
