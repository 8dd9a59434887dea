/**
 * Chinese mobile numbers: 11 digits starting with 1 and a second digit 3–9, optionally written
 * with +86 / 0086 / 86 and spaces or dashes. Internally we keep the 11-digit national form.
 */
export function normalizeCnMobile(raw: string): string | null {
  let s = raw.replace(/[\s-]/g, '');
  if (s.startsWith('+86')) s = s.slice(3);
  else if (s.startsWith('0086')) s = s.slice(4);
  else if (s.length === 13 && s.startsWith('86')) s = s.slice(2);
  return /^1[3-9]\d{9}$/.test(s) ? s : null;
}

/** The 7-digit segment (prefix + HLR block) that SIM farms tend to buy whole. */
export const phoneSegment = (national: string): string => national.slice(0, 7);

/** Pattern the HTTP schema uses to pre-check a phone before normalization. */
export const PHONE_INPUT_PATTERN = '^(\\+86|0086|86)?[\\s-]?1[3-9]\\d[\\s-]?\\d{4}[\\s-]?\\d{4}$';
