/**
 * Live counters for the risk engine: velocity windows and link counts. In-memory for the embedded
 * engine (rebuilt from the store's recent claims at start-up); a Redis adapter (one script per
 * claim, hash-tagged keys) follows for scale-out. One `snapshot` call counts the claim's attempt
 * and returns everything its decision needs, so a networked adapter pays one round trip per claim.
 */

/** What velocity is counted per. */
export const VELOCITY_ENTITIES = ['account', 'device', 'ip', 'ip24', 'segment', 'identity', 'code', 'campaign', 'target'] as const;
export type VelocityEntity = (typeof VELOCITY_ENTITIES)[number];

/** claims = attempts; grants and denials = outcomes; accounts = distinct accounts among attempts. */
export const VELOCITY_METRICS = ['claims', 'grants', 'denials', 'accounts'] as const;
export type VelocityMetric = (typeof VELOCITY_METRICS)[number];

export const WINDOWS = { '1m': 60_000, '10m': 600_000, '1h': 3_600_000, '24h': 86_400_000 } as const;
export type WindowName = keyof typeof WINDOWS;

/**
 * Things accounts can share; `links` counts the distinct accounts ever seen with each (an adapter
 * may forget a thing unused for long: the in-memory one after 7 idle days).
 */
export const LINK_KINDS = ['identity', 'phone', 'device', 'ip', 'ip24', 'target'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** The key of each velocity entity in one claim or order; absent or null when it has none. */
export type VelocityKeys = { readonly [E in VelocityEntity]?: string | null };

/** One velocity number a policy reads, for whichever key the request gives its entity. */
export interface VelocitySpec {
  readonly entity: VelocityEntity;
  readonly metric: VelocityMetric;
  readonly window: WindowName;
}

export interface Link {
  readonly kind: LinkKind;
  readonly value: string;
}

export interface SnapshotRequest {
  readonly at: number;
  readonly keys: VelocityKeys;
  /** What to read; the same list for every decision of a policy version. An entity without a key reads 0. */
  readonly velocity: readonly VelocitySpec[];
  readonly links: readonly Link[];
  /** Phone-run lookup: the longest run of near-consecutive numbers in this segment on this campaign. */
  readonly phoneRun: { readonly scope: string; readonly phone: string } | null;
}

export interface Snapshot {
  /** One number per `velocity` spec, in order. */
  readonly velocity: readonly number[];
  /** One number per link, in order. */
  readonly links: readonly number[];
  readonly phoneRun: number;
}

export interface AttemptEvent {
  readonly at: number;
  readonly accountId: string;
  readonly keys: VelocityKeys;
  readonly links: readonly Link[];
  readonly phone: { readonly scope: string; readonly phone: string } | null;
}

export interface Counters {
  /**
   * Everything one decision reads, after counting `attempt` when given (before the read, so
   * concurrent bursts see each other): one call, so a networked adapter pays one round trip (one
   * script) per decision. An adapter that can answer without I/O (in memory) returns the snapshot
   * itself, so the decision needs no promise; a networked one returns a promise.
   */
  snapshot(req: SnapshotRequest, attempt?: AttemptEvent): Snapshot | Promise<Snapshot>;
  /** Counts an attempt without reading (replays: the start-up warm-up, orders' targets). */
  recordAttempt(e: AttemptEvent): void;
  recordOutcome(at: number, keys: VelocityKeys, outcome: 'grant' | 'deny'): void;
}
