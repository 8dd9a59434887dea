import type { IdGenerator } from '../../ports/ids.js';
import type { Brand } from '../shared/ids.js';

/**
 * A long job (bulk freeze, make-good issue, bulk revoke, ...) as stored. The job itself knows
 * nothing about its kind's work: `cursor` is an opaque checkpoint that only the kind's handler
 * reads and writes, `counts` are the handler's tallies.
 */
export type JobId = Brand<string, 'JobId'>;

export const JOB_STATUSES = ['queued', 'running', 'paused', 'done', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface Job<P = unknown> {
  readonly id: JobId;
  /** Which handler runs it, e.g. `incident.freeze`. */
  readonly kind: string;
  /**
   * What the job works on exclusively (an incident id, a coupon type): the store keeps at most one
   * unfinished (queued, running or paused) job per ref. Null = no such exclusion.
   */
  readonly ref: string | null;
  readonly params: P;
  readonly status: JobStatus;
  /** The handler's current phase, for progress ("scope", "freeze"); `done`/`total` count within it. */
  readonly phase: string | null;
  /** Opaque checkpoint: where the next batch starts. Null before the first batch. */
  readonly cursor: string | null;
  readonly done: number;
  /** Units of work in the current phase, when known. */
  readonly total: number | null;
  readonly counts: Readonly<Record<string, number>>;
  readonly batches: number;
  readonly actor: string;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly updatedAt: number;
  readonly finishedAt: number | null;
  readonly error: string | null;
  /** The runner holding the job, and until when, while it runs. */
  readonly owner: string | null;
  readonly leaseUntil: number | null;
}

/** A runner renews its lease with every batch; a job whose lease ran out may be taken over. */
export const JOB_LEASE_MS = 30_000;

/** Statuses a job is finished in; every other one can still make progress. */
export const isFinished = (s: JobStatus): boolean => s === 'done';
/** An unfinished job that holds its ref (at most one per ref). */
export const isActive = (s: JobStatus): boolean => s === 'queued' || s === 'running' || s === 'paused';

/** Whether a runner may take the job now: never-started, paused and failed jobs, and running ones whose runner is gone. */
export function canAcquire(job: Pick<Job, 'status' | 'leaseUntil' | 'owner'>, at: number, owner: string, force: boolean): 'yes' | 'busy' | 'finished' {
  if (job.status === 'done') return 'finished';
  if (job.status !== 'running') return 'yes';
  if (force || job.owner === owner || job.leaseUntil === null || job.leaseUntil <= at) return 'yes';
  return 'busy';
}

/** Job ids share the platform's sortable ULIDs, with their own prefix. */
export const JOB_ID_PATTERN = '^job_[0-9A-HJKMNP-TV-Z]{26}$';
export const newJobId = (ids: IdGenerator): JobId => `job_${ids.next<string>('key').slice(4)}` as JobId;

/**
 * Where a batch starts, and whose it is: the store applies a batch only if the job is still
 * running under `owner` at `cursor` (compare-and-set), in the same atomic unit as its changes.
 */
export interface JobTicket {
  readonly jobId: JobId;
  readonly owner: string;
  readonly cursor: string | null;
  readonly at: number;
}

/** The checkpoint a batch leaves behind. */
export interface JobProgress {
  readonly cursor: string | null;
  readonly phase: string | null;
  readonly done: number;
  readonly total: number | null;
  readonly counts: Readonly<Record<string, number>>;
  /** True on the last batch: the job becomes `done` in the same atomic unit. */
  readonly finished: boolean;
}

/** What a batch method answers: the job after the batch, or `lost` (paused, taken over, cursor moved) with nothing applied. */
export type JobAdvance = { readonly kind: 'advanced'; readonly job: Job } | { readonly kind: 'lost' };

/** Adds `more` to `counts`. */
export function addCounts(counts: Readonly<Record<string, number>>, more: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...counts };
  for (const [k, v] of Object.entries(more)) if (v) out[k] = (out[k] ?? 0) + v;
  return out;
}
