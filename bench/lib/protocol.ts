/**
 * The IPC messages between the bench (parent) and a server fixture (child process).
 * The child listens on 127.0.0.1 on a free port and says `ready`; the parent drives it with `mark`
 * (start of the measured window), `stats` (end of it) and `stop`.
 */

export interface ReadyMessage {
  readonly type: 'ready';
  readonly port: number;
  /** Claim server only: the client API key and the campaign to claim from. */
  readonly apiKey?: string;
  readonly campaignId?: string;
  /** Claim server only: what SQLite reports after opening (PRAGMA synchronous / journal_mode). */
  readonly riskEngine?: boolean;
  readonly sqlite?: { readonly synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'; readonly journalMode: string; readonly path: string };
}

/** Server-side view of the measured window (from `mark` to `stats`). */
export interface StatsMessage {
  readonly type: 'stats';
  readonly wallMs: number;
  /** CPU time of the server process (all its threads), user and system, in the window. */
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  /** Event-loop utilization in the window (0..1): 1 means the loop never waited for I/O. */
  readonly elu: number;
  /** Claim server only: what the database holds at the end (warm-up included). */
  readonly db?: {
    readonly claims: number;
    readonly granted: number;
    readonly decisions: Readonly<Record<string, number>>;
    readonly dbBytes: number;
    readonly walBytes: number;
    /**
     * Outermost write transactions in the window (the group commits), timed from BEGIN to the
     * end of COMMIT: how many, how long they blocked the event loop, and claims per transaction.
     */
    readonly tx?: { readonly count: number; readonly totalMs: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number; readonly claims: number };
    /** The writer thread's group commits in the window (when claims commit there). */
    readonly writer?: { readonly transactions: number; readonly claims: number; readonly statementsMs: number; readonly commitMs: number; readonly batchSizes: readonly number[] };
  };
  /** When profiling was asked for: where the .cpuprofile of the window was written. */
  readonly profilePath?: string;
}

export type ChildMessage = ReadyMessage | StatsMessage | { readonly type: 'error'; readonly message: string };

export type ParentMessage =
  | { readonly type: 'mark' }
  | { readonly type: 'stats' }
  | { readonly type: 'stop' };

/** Env var telling a fixture to CPU-profile the measured window into this directory. */
export const PROFILE_DIR_ENV = 'BENCH_PROFILE_DIR';
