/**
 * A backtest as a resumable job: the same report as the one-shot backtest, progress while it runs,
 * and — killed between batches and taken over by a runner with none of its memory — the very same
 * decisions, because the new runner rebuilds the counters from the claims before the checkpoint.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCounters } from '../../src/adapters/memory/counters.js';
import { jobHandlers } from '../../src/app/job-handlers.js';
import type { Job, JobId } from '../../src/core/jobs/job.js';
import { runJob } from '../../src/core/jobs/runner.js';
import { BACKTEST_JOB, backtestReportOf, startBacktest, type BacktestJobParams } from '../../src/core/risk/backtest-job.js';
import { DEFAULT_POLICY } from '../../src/core/risk/default-policy.js';
import { runBacktest } from '../../src/core/risk/run-backtest.js';
import type { PolicyDoc } from '../../src/core/risk/policy-doc.js';
import { recordMixedRun } from './mixed-run.js';
import { riskHttpSystem, riskSystem, type RiskHttpSystem, type RiskSystem } from './risk-helpers.js';

let s: RiskSystem | RiskHttpSystem | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** A draft without the segment and device rules: it decides differently, so the counters matter. */
const draft: PolicyDoc = { thresholds: DEFAULT_POLICY.thresholds, rules: DEFAULT_POLICY.rules.filter((x) => !x.id.startsWith('segment-') && !x.id.startsWith('device-')) };

function unwrapJob(r: Awaited<ReturnType<typeof startBacktest>>): Job<BacktestJobParams> {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('backtest job', () => {
  it('reports what the one-shot backtest reports, with progress and an audit trail', async () => {
    const sys = (s = await riskSystem());
    await recordMixedRun(sys);
    const range = { from: 0, to: sys.clock.now() + 1 };
    const oneShot = await runBacktest(sys.deps, { policy: draft, ...range }, new MemoryCounters());
    if (!oneShot.ok) throw new Error(oneShot.error.message);
    expect(oneShot.value.different).toBeGreaterThan(0);

    const job = unwrapJob(await startBacktest(sys.deps, { policy: draft, ...range }, 'analyst-1'));
    expect(job.params.expected).toBe(oneShot.value.claims);
    const seen: number[] = [];
    const out = await runJob({ jobs: sys.deps.store.jobs, clock: sys.clock }, jobHandlers(sys.deps), job.id, { owner: 'r1', limit: 40, onProgress: (j) => seen.push(j.done) });
    if (out.kind !== 'done') throw new Error(out.kind);
    const report = backtestReportOf(out.job);
    const { changes: _changes, ...expected } = oneShot.value;
    expect(report).toEqual(expected);
    expect(out.job.done).toBe(oneShot.value.claims);
    expect(out.job.total).toBe(oneShot.value.claims);
    // Progress moved batch by batch, never backwards.
    expect(seen.length).toBeGreaterThan(5);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    const audit = (await sys.deps.store.audit.list({ limit: 1000 })).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['policy.backtest.start', 'policy.backtest.done']));
  });

  it('stopped between batches and resumed by a runner without its memory, it decides every claim the same way', async () => {
    const sys = (s = await riskSystem());
    await recordMixedRun(sys);
    const range = { from: 0, to: sys.clock.now() + 1 };
    const straight = unwrapJob(await startBacktest(sys.deps, { policy: draft, ...range }, 'analyst-1'));
    const done = await runJob({ jobs: sys.deps.store.jobs, clock: sys.clock }, jobHandlers(sys.deps), straight.id, { owner: 'r0', limit: 37 });
    if (done.kind !== 'done') throw new Error(done.kind);

    const job = unwrapJob(await startBacktest(sys.deps, { policy: draft, ...range }, 'analyst-1'));
    let batches = 0;
    const first = await runJob({ jobs: sys.deps.store.jobs, clock: sys.clock }, jobHandlers(sys.deps), job.id, {
      owner: 'r1',
      limit: 37,
      onProgress: () => batches++,
      shouldStop: () => batches >= 6,
    });
    if (first.kind !== 'stopped') throw new Error(first.kind);
    expect(first.job.done).toBeGreaterThan(0);
    expect(first.job.done).toBeLessThan(done.job.done);
    // A different runner, fresh handlers (no cached replay): it must rebuild the counters itself.
    const second = await runJob({ jobs: sys.deps.store.jobs, clock: sys.clock }, jobHandlers(sys.deps), job.id as JobId, { owner: 'r2', limit: 37 });
    if (second.kind !== 'done') throw new Error(second.kind);
    expect(second.job.counts).toEqual(done.job.counts);
    expect(backtestReportOf(second.job).different).toBeGreaterThan(0);
  });

  it('counts only the claims of its window', async () => {
    const sys = (s = await riskSystem());
    const t0 = sys.clock.now();
    await recordMixedRun(sys);
    const t1 = sys.clock.now();
    const range = { from: t0 + Math.floor((t1 - t0) / 3), to: t0 + Math.floor((2 * (t1 - t0)) / 3) };
    const job = unwrapJob(await startBacktest(sys.deps, { version: 1, ...range }, 'analyst-1'));
    const out = await runJob({ jobs: sys.deps.store.jobs, clock: sys.clock }, jobHandlers(sys.deps), job.id, { owner: 'r1', limit: 50 });
    if (out.kind !== 'done') throw new Error(out.kind);
    const inWindow = await sys.deps.store.claims.countRange(range);
    expect(inWindow).toBeGreaterThan(50);
    expect(backtestReportOf(out.job).claims).toBe(inWindow);
  });

  it('a backtest answered in the request is refused past its window limit (it would stop the serving thread), pointing at the job', async () => {
    const sys = (s = await riskHttpSystem({ backtestMaxClaims: 10 }));
    await recordMixedRun(sys);
    const auditBefore = (await sys.deps.store.audit.list({ limit: 1000 })).length;
    const big = await sys.app.inject({ method: 'POST', url: '/v1/backtests', headers: sys.auth('analyst'), payload: { policy: draft, from: '2000-01-01T00:00:00Z' } });
    expect(big.statusCode).toBe(400);
    expect(big.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('/v1/backtest-jobs') });
    expect((await sys.deps.store.audit.list({ limit: 1000 })).length).toBe(auditBefore);
    // A window of at most 10 claims is still answered at once.
    const firstTen = (await sys.deps.store.claims.list({ limit: 11 })).items;
    const small = await sys.app.inject({
      method: 'POST',
      url: '/v1/backtests',
      headers: sys.auth('analyst'),
      payload: { policy: draft, from: new Date(firstTen[0]!.at).toISOString(), to: new Date(firstTen[9]!.at + 1).toISOString() },
    });
    expect(small.statusCode).toBe(200);
    expect(small.json<{ claims: number }>().claims).toBeLessThanOrEqual(10);
  });

  it('over HTTP: 202 with the job, progress and report at GET /v1/backtest-jobs/{id}; bad input is a 4xx and starts nothing', async () => {
    const sys = (s = await riskHttpSystem());
    await recordMixedRun(sys);
    const start = await sys.app.inject({ method: 'POST', url: '/v1/backtest-jobs', headers: sys.auth('analyst'), payload: { policy: draft, from: '2000-01-01T00:00:00Z' } });
    expect(start.statusCode).toBe(202);
    const { id, kind, report } = start.json<{ id: string; kind: string; report: string }>();
    expect(kind).toBe(BACKTEST_JOB);
    let body: { job: { status: string; done: number; total: number }; report: { evaluated: number; different: number; claims: number } } | undefined;
    for (let i = 0; i < 200; i++) {
      const r = await sys.app.inject({ method: 'GET', url: report, headers: sys.auth('auditor') });
      expect(r.statusCode).toBe(200);
      body = r.json();
      if (body!.job.status === 'done') break;
      await new Promise((res) => setTimeout(res, 10));
    }
    expect(body!.job.status).toBe('done');
    expect(body!.report.claims).toBe(body!.job.total);
    expect(body!.report.different).toBeGreaterThan(0);

    const jobsBefore = (await sys.deps.store.jobs.list({ limit: 100 })).items.length;
    const bad = [
      { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { version: 999 },
      { policy: { thresholds: DEFAULT_POLICY.thresholds, rules: [{ ...DEFAULT_POLICY.rules[0]!, when: 'account.age_hours <' }] } },
      { version: 1, extra: true },
    ];
    for (const payload of bad) {
      const r = await sys.app.inject({ method: 'POST', url: '/v1/backtest-jobs', headers: sys.auth('analyst'), payload });
      expect(r.statusCode, JSON.stringify(payload)).toBeGreaterThanOrEqual(400);
      expect(r.statusCode).toBeLessThan(500);
      expect(Object.keys(r.json()).sort()).toEqual(['code', 'message', 'requestId']);
    }
    expect((await sys.deps.store.jobs.list({ limit: 100 })).items.length).toBe(jobsBefore);
    expect((await sys.app.inject({ method: 'POST', url: '/v1/backtest-jobs', headers: sys.auth('client'), payload: {} })).statusCode).toBe(403);
    expect((await sys.app.inject({ method: 'GET', url: `/v1/backtest-jobs/job_${'0'.repeat(26)}`, headers: sys.auth('analyst') })).statusCode).toBe(404);
    expect(id).toMatch(/^job_/);
  });
});
