/**
 * Chinese resident identity numbers (GB 11643-1999): 17 digits and a check character.
 * The check character is ISO 7064 MOD 11-2 over the first 17 digits.
 * We never store the number itself: callers hash it with a server key at once (see `IdentityHasher`).
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK = '10X98765432';

export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

/** Upper-cases a trailing x and trims spaces; returns null when the shape is wrong. */
export function normalizeResidentId(raw: string): string | null {
  const s = raw.trim().toUpperCase();
  return /^[1-9]\d{16}[\dX]$/.test(s) ? s : null;
}

function validBirthDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate(); // pure date arithmetic, not the current time
  return d <= days;
}

export type ResidentIdProblem = 'shape' | 'birth_date' | 'checksum';

/** Validates shape, birth date and checksum. Returns the normalized number or the problem. */
export function validateResidentId(raw: string): { ok: true; id: string } | { ok: false; problem: ResidentIdProblem } {
  const id = normalizeResidentId(raw);
  if (!id) return { ok: false, problem: 'shape' };
  if (!validBirthDate(id.slice(6, 14))) return { ok: false, problem: 'birth_date' };
  if (residentIdCheckChar(id.slice(0, 17)) !== id[17]) return { ok: false, problem: 'checksum' };
  return { ok: true, id };
}

/** Builds a valid number from region, birth date and sequence — for tests, demos and the replay lab. */
export function makeResidentId(region: string, birth: string, seq: number): string {
  const first17 = `${region}${birth}${String(seq % 1000).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
}
