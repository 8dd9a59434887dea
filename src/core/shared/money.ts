/** Money is CNY in integer fen (1 yuan = 100 fen). Never floating point. */
export type Fen = number;

/** The largest amount any single field may carry: ¥100,000,000 (1e10 fen), far inside 2^53. */
export const MAX_FEN = 10_000_000_000;

export function isFen(x: unknown): x is Fen {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= MAX_FEN;
}

/** ¥12.34 formatting for humans. */
export function formatFen(fen: Fen): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
