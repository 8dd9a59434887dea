/**
 * The resumable-job facility: batches apply with their checkpoint or not at all, a job resumes
 * from its checkpoint after a pause, a failure or a SIGKILL, a stale runner's batch is refused,
 * and one ref has at most one unfinished job. The kill test freezes 20,000 orders in a child
 * process killed twice (once while resolving the scope, once while freezing).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compose, type Composed } from '../../src/app/compose.js';
import { loadConfig } from '../../src/app/config.js';
import { incidentDeps, processJobService } from '../../src/app/job-handlers.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { openIncident, startIncidentJob } from '../../src/core/incidents/use-cases.js';
import { JOB_LEASE_MS, type Job, type JobId } from '../../src/core/jobs/job.js';
import { handlerMap, runJob, type JobHandler } from '../../src/core/jobs/runner.js';
import { createJob, pauseJob, requeueJob } from '../../src/core/jobs/service.js';
import { seedOrders } from '../../bench/freeze/seed.js';
import { T0, testSystem, type TestSystem } from '../helpers.js';
import { buildWorld } from './world.js';
import { dbOf, runFixture, SECRETS_ENV, tempDb } from '../load-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A job kind that counts to `params.n` in steps, with a checkpoint only (JobRepo.advance). */
function counter(d: CoreDeps, opts: { failAt?: number; onBatch?: (done: number) => void } = {}): JobHandler {
  return {
    kind: 'test.count',
    batchSize: 3,
    step: async (job, t, limit) => {
      const n = (job.params as { n: number }).n;
      const from = job.cursor ? Number(job.cursor) : 0;
      const to = Math.min(n, from + limit);
      if (opts.failAt !== undefined && to > opts.failAt) throw new Error('disk on fire');
      opts.onBatch?.(to);
      return d.store.jobs.advance(t, { cursor: String(to), phase: 'count', done: to, total: n, counts: { units: (job.counts.units ?? 0) + (to - from) }, finished: to >= n }, { actor: job.actor, action: 'test.done', target: 'ref-1', details: {} });
    },
  };
}

async function newCountJob(s: TestSystem, ref = 'ref-1', n = 10): Promise<Job> {
  const r = await createJob(s.deps, { kind: 'test.count', ref, params: { n }, actor: 'op', audit: { actor: 'op', action: 'test.start', target: ref, details: {} } });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('resumable jobs', () => {
  it('runs batch after batch to the end, counting every unit once, and audits start and end', async () => {
    const s = await testSystem();
    cleanups.push(() => s.shutdown());
    const job = await newCountJob(s);
    const seen: number[] = [];
    const out = await runJob({ jobs: s.deps.store.jobs, clock: s.clock }, handlerMap(counter(s.deps)), job.id, { owner: 'a', onProgress: (j) => seen.push(j.done) });
    expect(out.kind).toBe('done');
    const done = await s.deps.store.jobs.get(job.id);
    expect(done).toMatchObject({ status: 'done', done: 10, total: 10, counts: { units: 10 }, batches: 4, owner: null, leaseUntil: null });
    expect(seen).toEqual([0, 3, 6, 9, 10]);
    const audit = await s.deps.store.audit.list({ limit: 100 });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['test.start', 'test.done']));
    expect(audit.find((e) => e.action === 'test.done')!.details).toMatchObject({ jobId: job.id, counts: { units: 10 } });
    // Running a done job again does nothing.
    expect((await runJob({ jobs: s.deps.store.jobs, clock: s.clock }, handlerMap(counter(s.deps)), job.id, { owner: 'b' })).kind).toBe('done');
  });

  it('pauses between batches and resumes from the checkpoint', async () => {
    const s = await testSystem();
    cleanups.push(() => s.shutdown());
    const job = await newCountJob(s);
    const h = counter(s.deps, {
      onBatch: (to) => {
        if (to === 6) void pauseJob(s.deps, job.id, 'op');
      },
    });
    const first = await runJob({ jobs: s.deps.store.jobs, clock: s.clock }, handlerMap(h), job.id, { owner: 'a' });
    // The pause landed while batch 2 ran: batch 2 was refused as a whole, the checkpoint stays at 3.
    expect(first.kind).toBe('interrupted');
    expect(await s.deps.store.jobs.get(job.id)).toMatchObject({ status: 'paused', done: 3, counts: { units: 3 } });
    // The pause is audited under the job's ref (an incident's timeline shows it).
    const paused = (await s.deps.store.audit.list({ limit: 100 })).find((e) => e.action === 'job.pause')!;
    expect(paused).toMatchObject({ target: 'ref-1', details: { jobId: job.id, from: 'running', to: 'paused' } });
    expect((await requeueJob(s.deps, job.id, 'op')).ok).toBe(true);
    const second = await runJob({ jobs: s.deps.store.jobs, clock: s.clock }, handlerMap(counter(s.deps)), job.id, { owner: 'b' });
    expect(second.kind).toBe('done');
    expect(await s.deps.store.jobs.get(job.id)).toMatchObject({ status: 'done', done: 10, counts: { units: 10 } });
  });

  it('a failed batch leaves the last checkpoint; the job resumes from there', async () => {
    const s = await testSystem();
    cleanups.push(() => s.shutdown());
    const job = await newCountJob(s);
    const out = await runJob({ jobs: s.deps.store.jobs, clock: s.clock }, handlerMap(counter(s.deps, { failAt: 7 })), job.id, { owner: 'a' });
    expect(out).toMatchObject({ kind: 'failed', error: 'disk on fire' });
    expect(await s.deps.store.jobs.get(job.id)).toMatchObject({ status: 'failed', done: 6, error: 'disk on fire', owner: null });
    const again = await runJob({ jobs: s.deps.store.jobs, clock: s.clock }, handlerMap(counter(s.deps)), job.id, { owner: 'b' });
    expect(again.kind).toBe('done');
    expect(await s.deps.store.jobs.get(job.id)).toMatchObject({ done: 10, counts: { units: 10 }, error: null });
  });

  it('a live lease keeps other runners off; a forced takeover makes the old runner\'s next batch a no-op', async () => {
    const s = await testSystem();
    cleanups.push(() => s.shutdown());
    const job = await newCountJob(s);
    const now = s.clock.now();
    const held = await s.deps.store.jobs.acquire(job.id, 'old', now, now + JOB_LEASE_MS, false);
    expect(held.kind).toBe('acquired');
    const deps = { jobs: s.deps.store.jobs, clock: s.clock };
    expect((await runJob(deps, handlerMap(counter(s.deps)), job.id, { owner: 'new' })).kind).toBe('busy');
    // After the lease ran out, anyone may take it; here the operator forces it at once.
    expect((await runJob(deps, handlerMap(counter(s.deps)), job.id, { owner: 'new', force: true })).kind).toBe('done');
    const stale = await s.deps.store.jobs.advance({ jobId: job.id, owner: 'old', cursor: null, at: now }, { cursor: '3', phase: 'count', done: 3, total: 10, counts: { units: 3 }, finished: false }, null);
    expect(stale.kind).toBe('lost');
    expect(await s.deps.store.jobs.get(job.id)).toMatchObject({ status: 'done', counts: { units: 10 } });
    // An expired lease is picked up by the server's resume.
    const j2 = await newCountJob(s, 'ref-2');
    await s.deps.store.jobs.acquire(j2.id, 'dead', now, now + JOB_LEASE_MS, false);
    expect((await s.deps.store.jobs.abandoned(now)).map((j) => j.id)).not.toContain(j2.id);
    s.clock.advance(JOB_LEASE_MS + 1);
    expect((await s.deps.store.jobs.abandoned(s.clock.now())).map((j) => j.id)).toContain(j2.id);
  });

  it('one unfinished job per ref', async () => {
    const s = await testSystem();
    cleanups.push(() => s.shutdown());
    const a = await newCountJob(s, 'incident-x');
    const b = await createJob(s.deps, { kind: 'test.count', ref: 'incident-x', params: { n: 1 }, actor: 'op', audit: { actor: 'op', action: 'test.start', target: 'x', details: {} } });
    expect(!b.ok && b.error).toMatchObject({ code: 'CONFLICT', holder: { id: a.id } });
    await runJob({ jobs: s.deps.store.jobs, clock: s.clock }, handlerMap(counter(s.deps)), a.id, { owner: 'a' });
    expect((await newCountJob(s, 'incident-x')).status).toBe('queued');
  });
});

describe('the server', () => {
  it('picks up unfinished jobs when it starts', async () => {
    const db = tempDb();
    cleanups.push(() => db.cleanup());
    const first = await testSystem({ dbPath: db.path });
    const w = await buildWorld(first);
    const inc = await openIncident(incidentDeps(first.deps), { title: 'left behind', scope: [{ kind: 'campaign', value: w.stolen.id }] }, 'op');
    if (!inc.ok) throw new Error(inc.error.message);
    const job = await startIncidentJob(first.deps, inc.value.id, 'freeze', {}, 'op');
    if (!job.ok) throw new Error(job.error.message);
    // The process that queued it goes away before running it.
    await first.shutdown();
    const second = await testSystem({ dbPath: db.path });
    cleanups.push(() => second.shutdown());
    for (let i = 0; i < 400 && (await second.deps.store.jobs.get(job.value.job.id))?.status !== 'done'; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await second.deps.store.jobs.get(job.value.job.id)).toMatchObject({ status: 'done', counts: { frozen: 9, flagged: 3 } });
  });
});

describe('a bulk freeze killed with SIGKILL and resumed', () => {
  it('freezes each in-scope order exactly once and no other order', async () => {
    const db = tempDb();
    cleanups.push(() => db.cleanup());
    const s: Composed = compose(loadConfig({ ...SECRETS_ENV }, { dbPath: db.path, synchronous: 'NORMAL' }), { risk: false });
    cleanups.push(() => s.close());
    const seeded = await seedOrders(s, { inScope: 20_000, outOfScope: 5_000, at: T0 });
    const opened = await openIncident(incidentDeps(s.deps), { title: 'kill test', scope: [{ kind: 'campaign', value: seeded.stolen }] }, 'op');
    if (!opened.ok) throw new Error(opened.error.message);
    const started = await startIncidentJob(s.deps, opened.value.id, 'freeze', {}, 'op');
    if (!started.ok) throw new Error(started.error.message);
    const jobId = started.value.job.id;
    const env = { ...SECRETS_ENV, COUPONGUARD_DB: db.path, CG_DB: db.path, CG_JOB: jobId, CG_LIMIT: '500' };

    // First kill: while the scope is being resolved.
    const w1 = runFixture('../incidents/fixtures/job-worker.ts', [], env);
    await w1.line(/^batch scope \d+/);
    w1.proc.kill('SIGKILL');
    await w1.exited;
    const afterFirst = (await s.deps.store.jobs.get(jobId as JobId))!;
    expect(afterFirst.phase).toBe('scope');

    // Second kill: in the middle of the freeze.
    const w2 = runFixture('../incidents/fixtures/job-worker.ts', [], env);
    await w2.line(/^batch freeze (\d{4,}) /);
    w2.proc.kill('SIGKILL');
    await w2.exited;
    const afterSecond = (await s.deps.store.jobs.get(jobId as JobId))!;
    expect(afterSecond.phase).toBe('freeze');
    expect(afterSecond.done).toBeGreaterThan(0);
    expect(afterSecond.done).toBeLessThan(20_000);

    // The rest here, after the "crash": the dead worker's lease is forced.
    const out = await processJobService(s.deps).run(jobId as JobId, { force: true });
    expect(out.kind).toBe('done');
    const sql = dbOf(s);
    const one = <T>(q: string, ...a: unknown[]) => sql.prepare(q).get(...a) as T;
    const inScope = one<{ n: number; open: number; fulfilled: number }>(
      `SELECT count(*) AS n, sum(o.status IN ('frozen')) AS open, sum(o.status = 'fulfilled') AS fulfilled
       FROM orders o JOIN order_coupons oc ON oc.order_id = o.id WHERE oc.campaign_id = ?`,
      seeded.stolen,
    );
    expect(inScope.n).toBe(20_000);
    // Every in-scope order that was placed or held is frozen; fulfilled ones are flagged, not frozen.
    expect(inScope.open + inScope.fulfilled).toBe(20_000);
    const freezes = sql.prepare("SELECT e.order_id, count(*) AS n FROM order_events e WHERE e.action = 'freeze' GROUP BY e.order_id HAVING n != 1").all();
    expect(freezes).toEqual([]);
    expect(one<{ n: number }>("SELECT count(*) AS n FROM order_events WHERE action = 'freeze'").n).toBe(inScope.open);
    // No other order was touched.
    const outside = one<{ touched: number; events: number }>(
      `SELECT sum(o.status NOT IN ('placed', 'fulfilled')) AS touched,
              (SELECT count(*) FROM order_events e JOIN order_coupons x ON x.order_id = e.order_id WHERE x.campaign_id = @c AND e.action NOT IN ('place', 'fulfil')) AS events
       FROM orders o JOIN order_coupons oc ON oc.order_id = o.id WHERE oc.campaign_id = @c`.replaceAll('@c', '?'),
      seeded.ordinary,
      seeded.ordinary,
    );
    expect(outside).toEqual({ touched: 0, events: 0 });
    const job = (await s.deps.store.jobs.get(jobId as JobId))!;
    expect(job.counts).toMatchObject({ found: 20_000, frozen: inScope.open, flagged: inScope.fulfilled });
    expect(one<{ n: number }>('SELECT count(*) AS n FROM incident_orders WHERE incident_id = ?', opened.value.id).n).toBe(20_000);
  });
});
