import type { AuditInput } from '../audit/audit.js';
import type { Clock } from '../../ports/clock.js';
import type { IdGenerator } from '../../ports/ids.js';
import type { JobRepo } from '../../ports/jobs.js';
import { appError, type AppError } from '../shared/errors.js';
import { err, ok, type Result } from '../shared/result.js';
import { newJobId, type Job, type JobId } from './job.js';
import { runJob, type JobHandlers, type RunJobOptions, type RunOutcome } from './runner.js';

export interface JobDeps {
  readonly store: { readonly jobs: JobRepo };
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface NewJob<P> {
  readonly kind: string;
  readonly ref: string | null;
  readonly params: P;
  readonly actor: string;
  /** The audit entry for starting it (its details get the job id). */
  readonly audit: AuditInput;
}

/** Stores a queued job. A second unfinished job on the same ref is a CONFLICT naming the first. */
export async function createJob<P>(d: JobDeps, spec: NewJob<P>): Promise<Result<Job<P>, AppError & { holder?: Job }>> {
  const at = d.clock.now();
  const job: Job<P> = {
    id: newJobId(d.ids),
    kind: spec.kind,
    ref: spec.ref,
    params: spec.params,
    status: 'queued',
    phase: null,
    cursor: null,
    done: 0,
    total: null,
    counts: {},
    batches: 0,
    actor: spec.actor,
    createdAt: at,
    startedAt: null,
    updatedAt: at,
    finishedAt: null,
    error: null,
    owner: null,
    leaseUntil: null,
  };
  const r = await d.store.jobs.create(job, { ...spec.audit, details: { ...spec.audit.details, jobId: job.id } });
  if (r.kind === 'ref_taken')
    return err({ ...appError('CONFLICT', `job ${r.holder.id} (${r.holder.kind}, ${r.holder.status}) is still unfinished on ${spec.ref}: resume or wait for it`), holder: r.holder });
  return ok(r.job as Job<P>);
}

/** An operator pauses a job: its runner stops after the batch in flight, which lands or not as a whole. */
export async function pauseJob(d: JobDeps, id: JobId, actor: string): Promise<Result<Job, AppError>> {
  const r = await d.store.jobs.setStatus(id, ['queued', 'running'], 'paused', d.clock.now(), { actor, action: 'job.pause', target: id, details: {} });
  if (!r.job) return err(appError('NOT_FOUND', `job ${id} not found`));
  if (!r.changed) return err(appError('INVALID_STATE', `cannot pause a job that is ${r.job.status}`));
  return ok(r.job);
}

/** Paused or failed → queued (audited), for a runner to pick up from its checkpoint. */
export async function requeueJob(d: JobDeps, id: JobId, actor: string): Promise<Result<Job, AppError>> {
  const r = await d.store.jobs.setStatus(id, ['paused', 'failed'], 'queued', d.clock.now(), { actor, action: 'job.resume', target: id, details: {} });
  if (!r.job) return err(appError('NOT_FOUND', `job ${id} not found`));
  if (!r.changed && r.job.status !== 'queued' && r.job.status !== 'running') return err(appError('INVALID_STATE', `cannot resume a job that is ${r.job.status}`));
  return ok(r.job);
}

/** A one-line account of a run's end, for the CLI and logs. */
export function describeOutcome(o: RunOutcome): string {
  switch (o.kind) {
    case 'not_found':
      return 'job not found';
    case 'done':
      return `job ${o.job.id} done: ${o.job.done} in the last phase, ${countsText(o.job.counts)}`;
    case 'stopped':
      return `job ${o.job.id} stopped at its checkpoint (${o.job.done}/${o.job.total ?? '?'}); resume with: couponguard jobs resume ${o.job.id}`;
    case 'interrupted':
      return `job ${o.job.id} is ${o.job.status}${o.job.owner ? ` (runner ${o.job.owner})` : ''}: this runner stopped`;
    case 'failed':
      return `job ${o.job.id} failed at its checkpoint: ${o.error}; resume with: couponguard jobs resume ${o.job.id}`;
    case 'busy':
      return `job ${o.job.id} is running in another process (lease until ${new Date(o.job.leaseUntil ?? 0).toISOString()}); pass --force if that process is gone`;
    case 'ref_taken':
      return `job ${o.holder.id} is unfinished on ${o.job.ref}: finish or resume it first`;
    case 'unknown_kind':
      return `no handler for job kind ${o.job.kind}`;
  }
}

export const countsText = (c: Readonly<Record<string, number>>): string =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'nothing counted';

/**
 * Runs jobs inside one process (the server, or a CLI command). `spawn` starts a job in the
 * background and returns at once; `resumeAbandoned` picks up jobs whose runner died (called when
 * the server starts); `stop` lets every job go at its next checkpoint (queued, for the next start).
 */
export interface JobService {
  readonly handlers: JobHandlers;
  run(id: JobId, opts?: Omit<RunJobOptions, 'owner' | 'shouldStop' | 'pause'>): Promise<RunOutcome>;
  spawn(id: JobId): void;
  resumeAbandoned(): Promise<readonly JobId[]>;
  /** Resolves once every job this service runs has stopped or ended. */
  stop(): Promise<void>;
  /** Jobs running here now. */
  running(): readonly JobId[];
}

export function jobService(
  deps: JobDeps,
  handlers: JobHandlers,
  opts: { ownerPrefix: string; pause?: () => Promise<void>; onOutcome?: (o: RunOutcome) => void },
): JobService {
  const live = new Map<JobId, Promise<RunOutcome>>();
  let stopping = false;
  const run = (id: JobId, o: Omit<RunJobOptions, 'owner' | 'shouldStop' | 'pause'> = {}): Promise<RunOutcome> => {
    const existing = live.get(id);
    if (existing) return existing;
    const p = runJob({ jobs: deps.store.jobs, clock: deps.clock }, handlers, id, {
      ...o,
      owner: `${opts.ownerPrefix}:${deps.ids.random(6)}`,
      shouldStop: () => stopping,
      ...(opts.pause ? { pause: opts.pause } : {}),
    }).finally(() => live.delete(id));
    live.set(id, p);
    return p;
  };
  return {
    handlers,
    run,
    spawn: (id) => {
      void run(id).then(
        (o) => opts.onOutcome?.(o),
        () => {},
      );
    },
    resumeAbandoned: async () => {
      const found = await deps.store.jobs.abandoned(deps.clock.now());
      const ids = found.filter((j) => handlers.has(j.kind)).map((j) => j.id);
      for (const id of ids) void run(id).then((o) => opts.onOutcome?.(o), () => {});
      return ids;
    },
    stop: async () => {
      stopping = true;
      await Promise.allSettled([...live.values()]);
    },
    running: () => [...live.keys()],
  };
}
