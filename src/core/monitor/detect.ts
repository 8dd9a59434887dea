/**
 * Detectors on counts against an expected rate λ (per minute).
 *
 * Counts are Poisson-like, so they are compared on Anscombe's variance-stabilised scale:
 * z = 2(√(x + 3/8) − √(λ + 3/8)) is about N(0, 1) whatever λ, which makes one threshold work for a
 * quiet special coupon (λ ≈ 0) and a festival campaign (λ in the thousands).
 * - **spike**: a burst now: z over the last 60 s ≥ Z, with a minimum count and ratio, so tiny
 *   counts and small relative wobbles of huge series never page anyone.
 * - **drift** (CUSUM, Page 1954): a slow drip that never spikes: the sum of per-minute excesses
 *   above a slack k, reset at zero, crossing h.
 */
export const anscombeZ = (x: number, lambda: number): number => 2 * (Math.sqrt(x + 0.375) - Math.sqrt(Math.max(0, lambda) + 0.375));

export interface SpikeParams {
  readonly z: number;
  readonly minCount: number;
  readonly minRatio: number;
}

export const DEFAULT_SPIKE: SpikeParams = { z: 6, minCount: 10, minRatio: 3 };

export function isSpike(observed: number, lambda: number, p: SpikeParams = DEFAULT_SPIKE): boolean {
  return observed >= p.minCount && observed >= p.minRatio * Math.max(lambda, 0.1) && anscombeZ(observed, lambda) >= p.z;
}

export interface CusumParams {
  readonly k: number;
  readonly h: number;
}

export const DEFAULT_CUSUM: CusumParams = { k: 1, h: 12 };

/** One CUSUM step; returns the new statistic. */
export const cusumStep = (s: number, observed: number, lambda: number, p: CusumParams = DEFAULT_CUSUM): number =>
  Math.max(0, s + anscombeZ(observed, lambda) - p.k);
