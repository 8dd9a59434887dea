import type { AuditInput } from '../core/audit/audit.js';
import type { Order } from '../core/orders/order.js';
import type { ThingKind } from '../core/rings/kinds.js';
import type { Ring, RingId, RingMember, RingRecord, RingRun, RingRunId, RingRunStats } from '../core/rings/ring.js';
import type { AccountId } from '../core/shared/ids.js';
import type { Page } from './store.js';

/**
 * Where ring detection keeps its runs and rings, and reads what the rest of the store does not
 * expose (orders by time). The latest finished run is the current one: its rings are what the
 * claim path's ring signals and incident scopes see.
 */
export interface RingRepo {
  /** Orders with `at` in [from, to), oldest first, for the link graph. */
  scanOrders(range: { from: number; to: number }): AsyncIterable<Order>;
  /** How many orders `scanOrders` would yield, for progress bars. */
  countOrders(range: { from: number; to: number }): Promise<number>;
  /** Records a run as started (audited). */
  startRun(run: RingRun, audit: AuditInput): Promise<void>;
  /** Stores a run's rings, members and things and makes it the current run, in one atomic unit. */
  finishRun(id: RingRunId, stats: RingRunStats, rings: readonly RingRecord[], at: number): Promise<RingRun>;
  failRun(id: RingRunId, error: string, at: number): Promise<void>;
  getRun(id: RingRunId): Promise<RingRun | null>;
  /** Newest first. */
  listRuns(limit: number): Promise<readonly RingRun[]>;
  currentRun(): Promise<RingRun | null>;
  /** Rings of a run (the current one by default), by rank. */
  list(filter: { runId?: RingRunId; limit: number; after?: string }): Promise<Page<Ring>>;
  get(id: RingId): Promise<Ring | null>;
  members(id: RingId, page: { limit: number; after?: string }): Promise<Page<RingMember>>;
  /** The current run's ring an account belongs to. */
  membership(accountId: AccountId): Promise<{ ringId: RingId; score: number } | null>;
  /** Current-run rings that have any of these things among their evidence. */
  linked(things: readonly { kind: ThingKind; value: string }[]): Promise<readonly { ringId: RingId; kind: ThingKind; value: string }[]>;
  /** Current-run phone runs in a 7-digit segment (values `segment:first-last`). */
  phoneRunsIn(segment: string): Promise<readonly { ringId: RingId; value: string }[]>;
}

/** What the risk engine reads about an account's place in the current run's rings. */
export interface RingSignals {
  lookup(probe: { accountId: string; phone: string | null; deviceId: string | null; identityHashes: readonly string[]; targets?: readonly string[] }): Promise<{
    /** A member of a ring of the current detection run. */
    member: boolean;
    /** That ring's score (0 when not a member). */
    score: number;
    /** Shares a phone, device, identity, top-up target or a number inside a phone run with a ring (catches accounts that appear after the run). */
    linked: boolean;
  }>;
}
