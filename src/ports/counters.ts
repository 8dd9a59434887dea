/**
 * Live counters for the risk engine: velocity windows and link counts. In-memory for the embedded
 * engine (rebuilt from the store's recent claims at start-up); a Redis adapter (one script per
 * claim, hash-tagged keys) follows for scale-out. One `snapshot` call returns everything a
 * decision needs, so a networked adapter pays one round trip per claim.
 */

/** What velocity is counted per. */
export const VELOCITY_ENTITIES = ['account', 'device', 'ip', 'ip24', 'segment', 'identity', 'code', 'campaign', 'target'] as const;
export type VelocityEntity = (typeof VELOCITY_ENTITIES)[number];

/** claims = attempts; grants and denials = outcomes; accounts = distinct accounts among attempts. */
export const VELOCITY_METRICS = ['claims', 'grants', 'denials', 'accounts'] as const;
export type VelocityMetric = (typeof VELOCITY_METRICS)[number];

export const WINDOWS = { '1m': 60_000, '10m': 600_000, '1h': 3_600_000, '24h': 86_400_000 } as const;
export type WindowName = keyof typeof WINDOWS;

/** Things accounts can share; `links` counts the distinct accounts ever seen with each. */
export const LINK_KINDS = ['identity', 'phone', 'device', 'ip', 'ip24', 'target'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

export interface VelocityRead {
  readonly entity: VelocityEntity;
  readonly key: string;
  readonly metric: VelocityMetric;
  readonly window: WindowName;
}

export interface SnapshotRequest {
  readonly at: number;
  readonly velocity: readonly VelocityRead[];
  readonly links: readonly { readonly kind: LinkKind; readonly value: string }[];
  /** Phone-run lookup: the longest run of near-consecutive numbers in this segment on this campaign. */
  readonly phoneRun: { readonly scope: string; readonly phone: string } | null;
}

export interface Snapshot {
  readonly velocity: readonly number[];
  readonly links: readonly number[];
  readonly phoneRun: number;
}

export interface AttemptEvent {
  readonly at: number;
  readonly accountId: string;
  readonly keys: readonly { readonly entity: VelocityEntity; readonly key: string }[];
  readonly links: readonly { readonly kind: LinkKind; readonly value: string }[];
  readonly phone: { readonly scope: string; readonly phone: string } | null;
}

export interface Counters {
  snapshot(req: SnapshotRequest): Promise<Snapshot>;
  /** Counts an attempt (before the decision, so concurrent bursts see each other). */
  recordAttempt(e: AttemptEvent): void;
  recordOutcome(at: number, keys: AttemptEvent['keys'], outcome: 'grant' | 'deny'): void;
}
