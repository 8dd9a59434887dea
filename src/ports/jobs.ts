import type { AuditInput } from '../core/audit/audit.js';
import type { Job, JobAdvance, JobId, JobProgress, JobStatus, JobTicket } from '../core/jobs/job.js';

export type AcquireOutcome =
  | { readonly kind: 'acquired'; readonly job: Job }
  /** Running under another live runner (its lease has not run out). */
  | { readonly kind: 'busy'; readonly job: Job }
  | { readonly kind: 'finished'; readonly job: Job }
  /** Another unfinished job holds the same ref. */
  | { readonly kind: 'ref_taken'; readonly job: Job; readonly holder: Job }
  | { readonly kind: 'not_found' };

/**
 * Persisted long jobs. A kind's batches are store methods of their own repo (e.g.
 * `incidents.freezeBatch`) that take a `JobTicket` and, in ONE atomic unit, apply the batch's
 * changes and advance the job's checkpoint, refusing (`lost`, nothing applied) when the job is no
 * longer running under the ticket's owner at the ticket's cursor. A crash at any point therefore
 * loses at most the batch in flight, and no batch is ever applied twice. On SQLite, batch methods
 * call `jobCheckpoint(db)` (src/adapters/sqlite/job-repo.ts) inside their transaction.
 */
export interface JobRepo {
  /** Stores a new job (`queued`). Fails with `ref_taken` when another unfinished job holds its ref. */
  create(job: Job, audit: AuditInput): Promise<{ kind: 'created'; job: Job } | { kind: 'ref_taken'; holder: Job }>;
  get(id: JobId): Promise<Job | null>;
  list(filter: { kind?: string; status?: JobStatus; ref?: string; limit: number; after?: string }): Promise<{ items: readonly Job[]; next: string | null }>;
  /** The unfinished (queued, running, paused) job holding `ref`, if any. */
  activeFor(ref: string): Promise<Job | null>;
  /**
   * Takes the job for `owner` until `leaseUntil`: queued, paused and failed jobs, running jobs whose
   * lease ran out, and with `force` any running job (its old runner's next batch is refused).
   */
  acquire(id: JobId, owner: string, at: number, leaseUntil: number, force: boolean): Promise<AcquireOutcome>;
  /** Checkpoint only, for kinds whose batch changes nothing else in the store. */
  advance(ticket: JobTicket, next: JobProgress, finishAudit: AuditInput | null): Promise<JobAdvance>;
  /** Moves the status if it is one of `from` (pause, resume-to-queued); audited when `audit` is given, under the job's ref if it has one. */
  setStatus(id: JobId, from: readonly JobStatus[], to: JobStatus, at: number, audit: AuditInput | null): Promise<{ changed: boolean; job: Job | null }>;
  /** A runner stops holding the job: running → `to` (queued on a graceful stop, failed with `error`). Only its owner may. */
  letGo(id: JobId, owner: string, to: 'queued' | 'failed', at: number, error: string | null): Promise<Job | null>;
  /** Jobs a runner should pick up at `at`: queued ones, and running ones whose lease ran out. */
  abandoned(at: number): Promise<readonly Job[]>;
}
