import { seededRandom } from '../core/shared/random.js';

/** Deterministic randomness for scenarios: the same seed gives the same run. */
export type Rng = () => number;

/** mulberry32 (the platform's one seeded generator): small, fast, good enough for traffic shapes. */
export const seeded: (seed: number) => Rng = seededRandom;

/** Poisson draw: Knuth for small means, a normal approximation above 30. */
export function poisson(r: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) {
    const u = Math.max(r(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
    return Math.max(0, Math.round(mean + z * Math.sqrt(mean)));
  }
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l);
  return k - 1;
}

export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
