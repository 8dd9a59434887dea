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

/**
 * **risk-pressure**: a steady stream of claims the risk engine holds, challenges or denies. Each one
 * is stopped, but a ring that keeps trying (slow, camouflaged, 0.5 claims a minute) is an attack
 * under way; its coupon type should be closed rather than defended claim by claim.
 *
 * Over a window of W minutes a scope had n claims the risk engine decided on and k it refused. Its
 * normal share p0 is a Beta-binomial estimate: its own history before the window, on top of the
 * platform's, on top of a default (so a fresh scope on a fresh server has one). Pressure is a share
 * beyond what the normal share tolerates, max(factor × p0, p0 + margin), a flash sale whose buyers
 * are challenged a little more than usual is not pressure, with an exact binomial tail
 * P(X ≥ k | n, tolerated) below e^−tail: with small counts it asks for a share far above the
 * tolerated one, with large counts for a little above. And it must be sustained: at least
 * `minRefused` refusals in at least `minMinutes` distinct minutes.
 */
export interface PressureParams {
  readonly windowMinutes: number;
  readonly minRefused: number;
  readonly minMinutes: number;
  readonly factor: number;
  readonly margin: number;
  /** −ln of the largest tail probability that counts as pressure. */
  readonly tail: number;
}

export const DEFAULT_PRESSURE: PressureParams = { windowMinutes: 10, minRefused: 5, minMinutes: 3, factor: 2, margin: 0.05, tail: Math.log(1e3) };

/** The default normal share, and how many claims the default and the platform weigh as priors. */
const DEFAULT_SHARE = 0.05;
const PLATFORM_PRIOR_CLAIMS = 200;
const SCOPE_PRIOR_CLAIMS = 50;

export interface Counts {
  /** Refused for risk reasons. */
  readonly k: number;
  /** Decided on by the risk engine. */
  readonly n: number;
}

/** The platform's normal share, and the scope's on top of it. */
export function normalShare(own: Counts, platform: Counts): { readonly share: number; readonly platformShare: number } {
  const platformShare = (PLATFORM_PRIOR_CLAIMS * DEFAULT_SHARE + platform.k) / (PLATFORM_PRIOR_CLAIMS + platform.n);
  return { share: (SCOPE_PRIOR_CLAIMS * platformShare + own.k) / (SCOPE_PRIOR_CLAIMS + own.n), platformShare };
}

/** Never below the normal share itself, and never 1 (where nothing could exceed it). */
export const toleratedShare = (p0: number, p: PressureParams = DEFAULT_PRESSURE): number => Math.max(p0, Math.min(0.99, Math.max(p.factor * p0, p0 + p.margin)));

/**
 * −ln P(X ≥ k), X ~ Binomial(n, p), exactly; 0 when k ≤ np. Past the mean the terms only fall, so
 * the sum starts at k and stops once they no longer matter: a handful of terms for any n.
 */
export function binomialTailNegLog(k: number, n: number, p: number): number {
  if (n <= 0 || k <= n * p || p >= 1) return 0;
  if (k > n) return Infinity;
  if (p <= 0) return Infinity;
  let logC = 0;
  for (let i = 1; i <= k; i++) logC += Math.log((n - k + i) / i);
  const first = logC + k * Math.log(p) + (n - k) * Math.log1p(-p);
  let sum = 1;
  let term = 1;
  for (let j = k; j < n && term > 1e-12 * sum; j++) {
    term *= ((n - j) / (j + 1)) * (p / (1 - p));
    sum += term;
  }
  return -(first + Math.log(sum));
}

export function isPressure(window: Counts, minutesWithRefusals: number, p0: number, p: PressureParams = DEFAULT_PRESSURE): boolean {
  if (window.k < p.minRefused || minutesWithRefusals < p.minMinutes) return false;
  return binomialTailNegLog(window.k, window.n, toleratedShare(p0, p)) >= p.tail;
}
