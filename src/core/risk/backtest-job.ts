import type { AccountEvent } from '../accounts/account.js';
import type { ClaimRecord } from '../claims/claim.js';
import type { Decision } from '../claims/policy.js';
import type { CoreDeps } from '../deps.js';
import { addCounts, type Job, type JobAdvance, type JobTicket } from '../jobs/job.js';
import type { JobHandler } from '../jobs/runner.js';
import { createJob } from '../jobs/service.js';
import { appError, type AppError } from '../shared/errors.js';
import { err, type Result } from '../shared/result.js';
import type { Counters } from '../../ports/counters.js';
import { BacktestReplay, type BacktestReport } from './backtest.js';
import { activePolicy } from './engine.js';
import type { PolicyDoc } from './policy-doc.js';
import { validatePolicy } from './use-cases.js';

/**
 * A backtest as a long job: progress through `GET /v1/jobs/{id}` and the CLI, pause and resume,
 * and a crash loses at most the batch in flight.
 *
 * The job walks the claim log in commit order (`seq`) from the first claim of the window. Its
 * checkpoint is the last `seq` it decided, and its counts are the report so far. The replay's
 * state (velocity counters, account history, identity links) lives in the runner's memory: a
 * runner that takes the job over — after a crash, on another process — rebuilds it by feeding the
 * claims before the checkpoint through the replay without deciding them (`BacktestReplay.warm`),
 * which leaves the counters exactly as they were, so a resumed backtest decides every claim the
 * same way an uninterrupted one does (tested).
 */
export const BACKTEST_JOB = 'policy.backtest';

export interface BacktestJobParams {
  /** The version as it was when the job started (a draft is version 0): later publishes do not change a running backtest. */
  readonly version: number;
  readonly doc: PolicyDoc;
  readonly from: number;
  readonly to: number;
  /** The claim log is walked from after this sequence number. */
  readonly startSeq: number;
  /** Claims in the window when the job started (its progress total). */
  readonly expected: number;
}

export interface StartBacktest {
  /** A stored version, or a draft document; neither means the live version. */
  readonly version?: number;
  readonly policy?: PolicyDoc;
  readonly from: number;
  readonly to: number;
}

/** Claims recorded a little out of time order (concurrent commits) after `to` are still looked at for this long. */
const SKEW_MS = 60_000;
const DECISIONS: readonly Decision[] = ['allow', 'challenge', 'hold', 'deny'];

/** Checks the request, freezes the policy document into the job and queues it (audited). */
export async function startBacktest(d: CoreDeps, req: StartBacktest, actor: string): Promise<Result<Job<BacktestJobParams>, AppError>> {
  if (req.to <= req.from) return err(appError('VALIDATION_FAILED', 'to must be after from'));
  if (req.policy && req.version !== undefined) return err(appError('VALIDATION_FAILED', 'give a stored version or a draft policy, not both'));
  let version: number;
  let doc: PolicyDoc;
  if (req.policy) {
    const problems = validatePolicy(d.rules, req.policy);
    if (problems.length) return err(appError('VALIDATION_FAILED', `policy refused: ${problems.map((p) => p.message).join('; ')}`));
    version = 0;
    doc = req.policy;
  } else {
    const v = req.version !== undefined ? await d.store.policies.get(req.version) : (await d.store.policies.list()).filter((p) => p.status === 'live').at(-1);
    if (!v) return err(appError('NOT_FOUND', 'no such policy version'));
    version = v.version;
    doc = v.doc;
  }
  const params: BacktestJobParams = {
    version,
    doc,
    from: req.from,
    to: req.to,
    startSeq: await d.store.claims.seqBefore(req.from),
    expected: await d.store.claims.countRange({ from: req.from, to: req.to }),
  };
  return createJob(d, {
    kind: BACKTEST_JOB,
    ref: null,
    params,
    actor,
    audit: { actor, action: 'policy.backtest.start', target: version ? `policy@${version}` : 'draft', details: { from: req.from, to: req.to } },
  });
}

/** The report so far (or final) from a backtest job's counts. */
export function backtestReportOf(job: Job): Omit<BacktestReport, 'changes'> {
  const p = job.params as BacktestJobParams;
  const c = job.counts;
  const matrix: Record<string, Record<string, number>> = {};
  for (const r of DECISIONS) for (const b of DECISIONS) if (c[`${r}>${b}`]) (matrix[r] ??= {})[b] = c[`${r}>${b}`]!;
  const evaluated = c.evaluated ?? 0;
  const same = c.same ?? 0;
  return { policyVersion: `policy@${p.version}`, claims: c.claims ?? 0, evaluated, same, different: evaluated - same, matrix };
}

interface Cached {
  readonly replay: BacktestReplay;
  /** The checkpoint the replay's state corresponds to. */
  cursor: string | null;
}

/**
 * The job kind. `newCounters` gives each replay fresh, empty counters (in-memory on the embedded
 * engine: a backtest must not touch the live ones).
 */
export function backtestJobHandler(d: Pick<CoreDeps, 'store' | 'rules'>, newCounters: () => Counters): JobHandler {
  const live = new Map<string, Cached>();

  async function replayAt(job: Job<BacktestJobParams>, cursor: string | null): Promise<BacktestReplay> {
    const hit = live.get(job.id);
    if (hit && hit.cursor === cursor) return hit.replay;
    const p = job.params;
    const events: AccountEvent[] = [];
    for await (const e of d.store.accounts.scanEvents({ from: 0, to: p.to })) events.push(e);
    events.sort((a, b) => a.at - b.at);
    const replay = new BacktestReplay(
      activePolicy({ version: p.version, doc: p.doc, status: 'retired', createdAt: 0, createdBy: job.actor, note: 'backtest' }, (rules) => d.rules.compile(rules)),
      newCounters(),
      events,
      (id) => d.store.campaigns.get(id as never),
    );
    // Rebuild the state up to the checkpoint: every claim the job has already decided, recorded again.
    const until = cursor === null ? p.startSeq : Number(cursor);
    for (let seq = p.startSeq; seq < until; ) {
      const page = await d.store.claims.tail(seq, 1_000);
      if (!page.length) break;
      for (const r of page) if (r.seq <= until && inWindow(r.record, p)) await replay.warm(r.record);
      seq = page.at(-1)!.seq;
    }
    live.set(job.id, { replay, cursor });
    return replay;
  }

  return {
    kind: BACKTEST_JOB,
    batchSize: 2_000,
    async step(j: Job, ticket: JobTicket, limit: number): Promise<JobAdvance> {
      const job = j as Job<BacktestJobParams>;
      const p = job.params;
      const replay = await replayAt(job, ticket.cursor);
      const after = ticket.cursor === null ? p.startSeq : Number(ticket.cursor);
      const page = await d.store.claims.tail(after, limit);
      const tally: Record<string, number> = {};
      const bump = (k: string) => (tally[k] = (tally[k] ?? 0) + 1);
      let last = after;
      let pastWindow = page.length > 0;
      for (const { seq, record } of page) {
        last = seq;
        if (record.at < p.to + SKEW_MS) pastWindow = false;
        if (!inWindow(record, p)) continue;
        bump('claims');
        const v = await replay.decide(record);
        if (!v) continue;
        bump('evaluated');
        bump(`${v.recorded}>${v.backtest}`);
        if (v.recorded === v.backtest) bump('same');
      }
      const finished = page.length < limit || pastWindow;
      const counts = addCounts(job.counts, tally);
      const r = await d.store.jobs.advance(
        ticket,
        { cursor: String(last), phase: 'replay', done: counts.claims ?? 0, total: Math.max(p.expected, counts.claims ?? 0), counts, finished },
        finished ? { actor: job.actor, action: 'policy.backtest.done', target: job.id, details: { ...counts } } : null,
      );
      const cached = live.get(job.id);
      if (r.kind === 'advanced' && !finished && cached) cached.cursor = String(last);
      else live.delete(job.id);
      return r;
    },
  };
}

const inWindow = (c: ClaimRecord, p: BacktestJobParams): boolean => c.at >= p.from && c.at < p.to;
