import type { Clock } from '../../ports/clock.js';
import type { JobRepo } from '../../ports/jobs.js';
import { JOB_LEASE_MS, type Job, type JobAdvance, type JobId, type JobTicket } from './job.js';

/**
 * What a job kind provides: one batch. `step` must call a store method that applies the batch
 * after `ticket.cursor` and advances the checkpoint in one atomic unit (see `JobRepo`), and return
 * its answer. It is called again until the job is done, from the checkpoint the last batch left,
 * by this runner or — after a crash, a pause or a graceful stop — by another one.
 */
export interface JobHandler {
  readonly kind: string;
  /** Units per batch when the runner is not told otherwise (one batch = one transaction). */
  readonly batchSize: number;
  step(job: Job, ticket: JobTicket, limit: number): Promise<JobAdvance>;
}

export type JobHandlers = ReadonlyMap<string, JobHandler>;

export const handlerMap = (...hs: readonly JobHandler[]): JobHandlers => new Map(hs.map((h) => [h.kind, h]));

export interface RunJobOptions {
  /** This runner's id (unique per process and run). */
  readonly owner: string;
  /** Batch size override. */
  readonly limit?: number;
  /** Take the job even from a runner whose lease is still fresh (the operator says it is dead). */
  readonly force?: boolean;
  /** Called after every batch with the job as stored. */
  onProgress?(job: Job): void;
  /** Checked between batches: true = stop here, leaving the job `queued` for the next runner. */
  shouldStop?(): boolean;
  /** Awaited between batches, so that a server keeps answering while a job runs. */
  pause?(): Promise<void>;
}

export type RunOutcome =
  | { readonly kind: 'done'; readonly job: Job }
  /** `shouldStop` said so: the job is queued again, to resume from its checkpoint. */
  | { readonly kind: 'stopped'; readonly job: Job }
  /** Someone paused the job, or another runner took it over, while it ran. */
  | { readonly kind: 'interrupted'; readonly job: Job }
  | { readonly kind: 'failed'; readonly job: Job; readonly error: string }
  | { readonly kind: 'busy'; readonly job: Job }
  | { readonly kind: 'ref_taken'; readonly job: Job; readonly holder: Job }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unknown_kind'; readonly job: Job };

/**
 * Runs a job to its end (or until stopped): takes its lease, then one batch after another from the
 * stored checkpoint. Safe to call for a job that ran before and died anywhere: the store applies a
 * batch only at the checkpoint it was cut from, so no unit of work is done twice.
 */
export async function runJob(deps: { jobs: JobRepo; clock: Clock }, handlers: JobHandlers, id: JobId, opts: RunJobOptions): Promise<RunOutcome> {
  const { jobs, clock } = deps;
  const taken = await jobs.acquire(id, opts.owner, clock.now(), clock.now() + JOB_LEASE_MS, opts.force ?? false);
  if (taken.kind === 'not_found') return taken;
  if (taken.kind === 'busy' || taken.kind === 'ref_taken') return taken;
  if (taken.kind === 'finished') return { kind: 'done', job: taken.job };
  let job = taken.job;
  const handler = handlers.get(job.kind);
  if (!handler) {
    const back = await jobs.letGo(id, opts.owner, 'failed', clock.now(), `no handler for job kind ${job.kind}`);
    return { kind: 'unknown_kind', job: back ?? job };
  }
  const limit = opts.limit ?? handler.batchSize;
  opts.onProgress?.(job);
  for (;;) {
    if (opts.shouldStop?.()) {
      const back = await jobs.letGo(id, opts.owner, 'queued', clock.now(), null);
      return { kind: 'stopped', job: back ?? job };
    }
    let r: JobAdvance;
    try {
      r = await handler.step(job, { jobId: id, owner: opts.owner, cursor: job.cursor, at: clock.now() }, limit);
    } catch (e) {
      // The batch rolled back with its transaction; the job keeps its last checkpoint.
      const error = e instanceof Error ? e.message : String(e);
      const back = await jobs.letGo(id, opts.owner, 'failed', clock.now(), error);
      return { kind: 'failed', job: back ?? job, error };
    }
    if (r.kind === 'lost') {
      const now = await jobs.get(id);
      return { kind: 'interrupted', job: now ?? job };
    }
    job = r.job;
    opts.onProgress?.(job);
    if (job.status === 'done') return { kind: 'done', job };
    await opts.pause?.();
  }
}
