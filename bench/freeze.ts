/**
 * Bulk freeze of 1,000,000 orders on the embedded store, killed midway and resumed.
 *
 *   npx tsx bench/freeze.ts [--orders 1000000] [--outside 200000] [--kill-at 0.5] [--sync FULL|NORMAL] [--db path] [--keep]
 *
 * 1. seeds `--orders` orders that used the stolen campaign's coupon (10% already fulfilled, 5%
 *    held) interleaved with `--outside` ordinary orders (not timed);
 * 2. opens an incident scoped to the stolen campaign and starts the freeze job;
 * 3. runs it in a child process and kills that process with SIGKILL once `--kill-at` of the
 *    freeze phase is done;
 * 4. resumes it in a fresh process (as `couponguard jobs resume` would) until done;
 * 5. checks: every in-scope placed or held order frozen with exactly one freeze event, every
 *    fulfilled one flagged, no ordinary order changed; and prints the timings.
 *
 * The time reported is the job's: both runner processes from spawn to exit, including the restart.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { compose } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import { incidentDeps } from '../src/app/job-handlers.js';
import type { SqliteDb } from '../src/adapters/sqlite/index.js';
import { openIncident, startIncidentJob } from '../src/core/incidents/use-cases.js';
import type { JobId } from '../src/core/jobs/job.js';
import { seedOrders } from './freeze/seed.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const ORDERS = Number(arg('orders', '1000000'));
const OUTSIDE = Number(arg('outside', '200000'));
const KILL_AT = Number(arg('kill-at', '0.5'));
const SYNC = arg('sync', 'FULL') as 'FULL' | 'NORMAL';
const KEEP = process.argv.includes('--keep');
const dir = mkdtempSync(join(os.tmpdir(), 'cg-freeze-'));
const DB = arg('db', join(dir, 'freeze.db'));
const T0 = Date.parse('2019-01-20T01:00:00Z');
const secrets = {
  COUPONGUARD_PII_SECRET: 'bench-pii-secret-0123456789abcdef0123456789abcdef',
  COUPONGUARD_SIGNING_KEYS: 'k1:bench-signing-secret-0123456789abcdef0123456789',
  COUPONGUARD_RISK: 'off',
  COUPONGUARD_SQLITE_SYNCHRONOUS: SYNC,
};

function runner(jobId: JobId, killAtDone: number | null): Promise<{ ms: number; killed: boolean; lastDone: number; phaseMs: Record<string, number> }> {
  const t = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'freeze', 'worker.ts')], {
    env: { ...process.env, ...secrets, CG_DB: DB, CG_JOB: jobId },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let killed = false;
  let lastDone = 0;
  const phaseMs: Record<string, number> = {};
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const m = /^batch (\S+) (\d+) (\d+) (\d+)$/.exec(l);
    if (!m) return;
    const [, phase, done, total, at] = m;
    phaseMs[phase!] = Number(at);
    lastDone = Number(done);
    if (phase === 'freeze' && Number(done) % 100_000 < 5_000) process.stderr.write(`  freeze ${done}/${total}\n`);
    if (!killed && killAtDone !== null && phase === 'freeze' && Number(done) >= killAtDone) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  return once(child, 'exit').then(() => ({ ms: performance.now() - t, killed, lastDone, phaseMs }));
}

const s = compose(loadConfig({ ...secrets }, { dbPath: DB, synchronous: SYNC }), { risk: false });
const db = (s.deps.store as unknown as { db: SqliteDb }).db;
console.error(`seeding ${ORDERS.toLocaleString()} in-scope + ${OUTSIDE.toLocaleString()} ordinary orders into ${DB} ...`);
let t = performance.now();
const seeded = await seedOrders(s, { inScope: ORDERS, outOfScope: OUTSIDE, at: T0, onProgress: (d, n) => d % 200_000 === 0 && console.error(`  ${d}/${n}`) });
const seedMs = performance.now() - t;
const before = db.prepare('SELECT o.status, count(*) AS n FROM orders o JOIN order_coupons oc ON oc.order_id = o.id WHERE oc.campaign_id = ? GROUP BY o.status').all(seeded.stolen) as { status: string; n: number }[];
const ordinaryBefore = db.prepare('SELECT count(*) AS n, sum(updated_at) AS u, group_concat(DISTINCT status) AS st FROM orders o JOIN order_coupons oc ON oc.order_id = o.id WHERE oc.campaign_id = ?').get(seeded.ordinary);
const opened = await openIncident(incidentDeps(s.deps), { title: 'TV coupon theft (bench)', scope: [{ kind: 'campaign', value: seeded.stolen }] }, 'bench');
if (!opened.ok) throw new Error(opened.error.message);
const started = await startIncidentJob(s.deps, opened.value.id, 'freeze', {}, 'bench');
if (!started.ok) throw new Error(started.error.message);
const jobId = started.value.job.id;
const freezable = before.filter((r) => r.status === 'placed' || r.status === 'held').reduce((a, r) => a + r.n, 0);

console.error(`freeze job ${jobId}: first runner, killed at ${Math.round(KILL_AT * 100)}% of the freeze phase`);
t = performance.now();
const first = await runner(jobId, Math.floor(ORDERS * KILL_AT));
const mid = await s.deps.store.jobs.get(jobId);
console.error(`  killed=${first.killed} after ${(first.ms / 1000).toFixed(1)} s; checkpoint ${mid?.phase} ${mid?.done}/${mid?.total}`);
const second = await runner(jobId, null);
const jobMs = performance.now() - t;
const job = (await s.deps.store.jobs.get(jobId))!;

const one = <T>(q: string, ...a: unknown[]) => db.prepare(q).get(...a) as T;
const frozen = one<{ n: number }>("SELECT count(*) AS n FROM orders o JOIN order_coupons oc ON oc.order_id = o.id WHERE oc.campaign_id = ? AND o.status = 'frozen'", seeded.stolen).n;
const twice = one<{ n: number }>("SELECT count(*) AS n FROM (SELECT order_id FROM order_events WHERE action = 'freeze' GROUP BY order_id HAVING count(*) != 1)").n;
const events = one<{ n: number }>("SELECT count(*) AS n FROM order_events WHERE action = 'freeze'").n;
const ordinaryAfter = db.prepare('SELECT count(*) AS n, sum(updated_at) AS u, group_concat(DISTINCT status) AS st FROM orders o JOIN order_coupons oc ON oc.order_id = o.id WHERE oc.campaign_id = ?').get(seeded.ordinary);
const ok = job.status === 'done' && first.killed && frozen === freezable && events === freezable && twice === 0 && JSON.stringify(ordinaryBefore) === JSON.stringify(ordinaryAfter);

const result = {
  machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  synchronous: SYNC,
  orders: { inScope: ORDERS, ordinary: OUTSIDE, freezable },
  seedSeconds: +(seedMs / 1000).toFixed(1),
  firstRunner: { seconds: +(first.ms / 1000).toFixed(1), killed: first.killed, phaseEndMs: first.phaseMs, checkpoint: { phase: mid?.phase, done: mid?.done } },
  secondRunner: { seconds: +(second.ms / 1000).toFixed(1), phaseEndMs: second.phaseMs },
  jobSeconds: +(jobMs / 1000).toFixed(1),
  ordersPerSecond: Math.round(ORDERS / (jobMs / 1000)),
  job: { status: job.status, counts: job.counts, batches: job.batches },
  checks: { frozen, freezeEvents: events, ordersFrozenTwice: twice, ordinaryUnchanged: JSON.stringify(ordinaryBefore) === JSON.stringify(ordinaryAfter) },
  ok,
};
console.log(JSON.stringify(result, null, 2));
await s.close();
if (!KEEP) rmSync(dir, { recursive: true, force: true });
process.exitCode = ok ? 0 : 1;
