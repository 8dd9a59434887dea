import { Option, type Command } from 'commander';
import type { Composed } from '../../app/compose.js';
import { processJobService } from '../../app/job-handlers.js';
import { JOB_ID_PATTERN, JOB_STATUSES, type Job, type JobId, type JobStatus } from '../../core/jobs/job.js';
import { countsText, describeOutcome, pauseJob, requeueJob } from '../../core/jobs/service.js';
import type { RunOutcome } from '../../core/jobs/runner.js';
import { iso } from '../../http/views.js';
import { jobView } from '../../http/incident-views.js';
import { intIn } from '../args.js';
import { CliError, ctxOf, unwrap, type CliRuntime, type Ctx } from '../context.js';
import { progressBar, type Progress } from '../progress.js';

export const jobIdArg = (v: string): JobId => {
  if (!new RegExp(JOB_ID_PATTERN).test(v)) throw new CliError(`not a job id: ${v}`);
  return v as JobId;
};

export const jobLine = (j: Job): string =>
  [j.id, j.kind.padEnd(16), j.status.padEnd(7), `${j.phase ?? '-'} ${j.done}/${j.total ?? '?'}`, countsText(j.counts), j.ref ?? '', iso(j.updatedAt)].join('  ');

/**
 * Runs a job here with a progress bar per phase (on stderr), until it ends. Ctrl-C stops it at
 * its next checkpoint (queued, to resume later); a kill at any point loses at most one batch.
 */
export async function runJobHere(ctx: Ctx, s: Composed, id: JobId, opts: { force?: boolean; batch?: number } = {}): Promise<RunOutcome> {
  const svc = processJobService(s.deps);
  let bar: Progress | null = null;
  let phase: string | null | undefined;
  const onSigint = () => {
    ctx.io.err('interrupted: stopping at the next checkpoint');
    void svc.stop();
  };
  process.once('SIGINT', onSigint);
  try {
    const out = await svc.run(id, {
      ...(opts.force ? { force: true } : {}),
      ...(opts.batch ? { limit: opts.batch } : {}),
      onProgress: (j) => {
        if (ctx.json) return;
        if (j.phase !== phase || (!bar && j.total)) {
          bar?.stop();
          phase = j.phase;
          bar = j.total ? progressBar(j.phase ?? 'job', j.total) : null;
        }
        bar?.update(j.done);
      },
    });
    return out;
  } finally {
    (bar as Progress | null)?.stop();
    process.off('SIGINT', onSigint);
  }
}

/** Prints a run's end; a run that did not finish sets exit code 1. */
export function reportOutcome(ctx: Ctx, out: RunOutcome): void {
  if (out.kind !== 'done') ctx.fail(1);
  ctx.emit(out.kind === 'not_found' ? out : { outcome: out.kind, job: jobView(out.job) }, () => describeOutcome(out));
}

/** `couponguard jobs ...`: long jobs (bulk freeze, make-goods, revocations) and their checkpoints. */
export function jobCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('jobs').description('long jobs: progress, pause, resume from the checkpoint');

  group
    .command('list')
    .description('jobs, oldest first')
    .addOption(new Option('--status <status>').choices(JOB_STATUSES))
    .option('--kind <kind>', 'e.g. incident.freeze')
    .option('--limit <n>', '1..999', intIn(1, 999), 100)
    .action(async (o: { status?: JobStatus; kind?: string; limit: number }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const page = await ctx.withSystem((s) => s.deps.store.jobs.list({ limit: o.limit, ...(o.status ? { status: o.status } : {}), ...(o.kind ? { kind: o.kind } : {}) }));
      ctx.emit(page.items.map(jobView), () => page.items.map(jobLine).join('\n') || 'no jobs');
    });

  group
    .command('show')
    .description('a job and its progress')
    .argument('<id>', 'job id', jobIdArg)
    .action(async (id: JobId, _o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const j = await ctx.withSystem((s) => s.deps.store.jobs.get(id));
      if (!j) throw new CliError(`job ${id} not found (NOT_FOUND)`);
      ctx.emit(jobView(j), () => [jobLine(j), j.error ? `error: ${j.error}` : '', j.owner ? `runner ${j.owner} until ${iso(j.leaseUntil)}` : ''].filter(Boolean).join('\n'));
    });

  group
    .command('pause')
    .description('pause a job after its current batch (audited)')
    .argument('<id>', 'job id', jobIdArg)
    .action(async (id: JobId, _o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const j = await ctx.withSystem(async (s) => unwrap(await pauseJob(s.deps, id, ctx.actor)));
      ctx.emit(jobView(j), () => `job ${j.id} paused at ${j.phase ?? '-'} ${j.done}/${j.total ?? '?'}`);
    });

  group
    .command('resume')
    .description('run a paused, failed, stopped or abandoned job from its checkpoint, here')
    .argument('<id>', 'job id', jobIdArg)
    .option('--force', 'take the job over even if another runner\'s lease is still fresh (that process is gone)')
    .option('--batch <n>', 'units per batch', intIn(1, 100_000))
    .action(async (id: JobId, o: { force?: boolean; batch?: number }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      await ctx.withSystem(async (s) => {
        const j = await s.deps.store.jobs.get(id);
        if (!j) throw new CliError(`job ${id} not found (NOT_FOUND)`);
        if (j.status === 'paused' || j.status === 'failed') unwrap(await requeueJob(s.deps, id, ctx.actor));
        reportOutcome(ctx, await runJobHere(ctx, s, id, { ...(o.force ? { force: true } : {}), ...(o.batch ? { batch: o.batch } : {}) }));
      });
    });
}
