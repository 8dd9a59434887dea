/**
 * Micro-benchmark of the claim path without HTTP: where does a claim's time go on this machine?
 *
 *   npx tsx bench/lib/commit-micro.ts [--n 20000] [--wait-quiet 120]
 *
 * 1. The disk: one small write + fdatasync (what synchronous=FULL pays per COMMIT, at least).
 * 2. The use case without its commit: claimCoupon with the store's commit stubbed out (campaign
 *    read, identity link read, HMAC of the identity number, SHA-256 of the request, ULIDs, policy).
 * 3. The commit alone: the same claim plans replayed through the real SQLite claim repo, B plans
 *    per IMMEDIATE transaction (B = 1 is one transaction per claim; B > 1 is what group commit
 *    does), FULL and NORMAL, on fresh files: time in the statements, time in COMMIT, and pages
 *    written to the WAL per claim.
 * 4. Which statements of the claim transaction cost what (64 claims per transaction, FULL).
 * 5. The floor: one durable append per claim (a single row + unique idempotency key).
 * 6. The real store end to end in-process: claimCoupon with the group committer, 64 in flight.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sha256 } from '../../src/adapters/node/crypto.js';
import { sqliteClaimRepo } from '../../src/adapters/sqlite/claim-repo.js';
import type { Enqueue } from '../../src/adapters/sqlite/group-commit.js';
import { sqliteStore, type SqliteDb } from '../../src/adapters/sqlite/index.js';
import { compose } from '../../src/app/compose.js';
import { loadConfig } from '../../src/app/config.js';
import type { Campaign } from '../../src/core/campaigns/campaign.js';
import { createCampaign } from '../../src/core/campaigns/use-cases.js';
import type { ClaimPlan } from '../../src/core/claims/claim.js';
import { claimCoupon, type ClaimRequest } from '../../src/core/claims/claim-coupon.js';
import type { CoreDeps } from '../../src/core/deps.js';
import type { CampaignId } from '../../src/core/shared/ids.js';
import { benchCampaignInput } from '../fixtures/campaign.js';
import { claimBody, idempotencyKey } from './claim-requests.js';
import { cpuTimes, waitForQuiet } from './machine.js';
import { fmt, fmtInt, summarize, table } from './stats.js';
import { probeTransactions } from './tx-probe.js';

type Sync = 'FULL' | 'NORMAL';

export interface MicroResult {
  readonly disk: { readonly p50: number; readonly p99: number; readonly mean: number };
  readonly useCaseUs: number;
  readonly useCaseNoRiskUs: number;
  readonly commits: readonly {
    sync: Sync;
    batch: number;
    perClaimUs: number;
    bodyUs: number;
    commitUs: number;
    commitP99Ms: number;
    /** The same replay with automatic checkpoints off (on fewer plans): COMMIT alone, and pages. */
    commitNoCheckpointUs: number;
    commitNoCheckpointP99Ms: number;
    walPagesPerClaim: number;
  }[];
  readonly inProcess: readonly { sync: Sync; claimsPerSec: number; claimsPerTx: number; txShare: number }[];
  readonly statements: ReturnType<typeof statementBreakdown>;
  readonly floor: readonly { sync: Sync; batch: number; usPerClaim: number }[];
}

const work = mkdtempSync(join(tmpdir(), 'couponguard-micro-'));

function diskSync(n = 500): MicroResult['disk'] {
  const fd = openSync(join(work, 'fsync-probe'), 'w');
  const page = Buffer.alloc(4096, 7);
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    writeSync(fd, page);
    fdatasyncSync(fd);
    t.push(performance.now() - t0);
  }
  closeSync(fd);
  const s = summarize(t);
  return { p50: s.p50, p99: s.p99, mean: s.mean };
}

/** A system on a fresh file, with the bench campaign. */
async function system(sync: Sync, name: string, risk?: boolean): Promise<{ deps: CoreDeps; db: SqliteDb; campaign: Campaign; close: () => Promise<void> }> {
  // Default config (risk engine as configured by default) unless `risk` says otherwise.
  const composed = compose(loadConfig({}, { dbPath: join(work, `${name}.db`), synchronous: sync }), risk === undefined ? {} : { risk });
  const created = await createCampaign(composed.deps, benchCampaignInput(composed.deps.clock.now()), 'bench');
  if (!created.ok) throw new Error(created.error.message);
  const db = (composed.deps.store as typeof composed.deps.store & { db: SqliteDb }).db;
  return { deps: composed.deps, db, campaign: created.value, close: composed.close };
}

const request = (campaignId: CampaignId, run: string, i: number): ClaimRequest => claimBody(campaignId, run, i) as ClaimRequest;

/** Runs the use case with the commit stubbed out; returns the plans it would have committed. */
async function plansAndUseCaseCost(n: number, risk?: boolean): Promise<{ plans: ClaimPlan[]; campaign: Campaign; useCaseUs: number }> {
  const s = await system('NORMAL', `plans-${String(risk)}`, risk);
  const plans: ClaimPlan[] = [];
  const store = s.deps.store;
  const deps: CoreDeps = {
    ...s.deps,
    store: { ...store, claims: { ...store.claims, commit: async (plan) => (plans.push(plan), { kind: 'committed', record: plan.record }) } },
  };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await claimCoupon(deps, request(s.campaign.id, 'micro', i), { scope: 'key_bench', idempotencyKey: idempotencyKey('micro', i) });
    if (!r.ok || r.value.decision !== 'allow') throw new Error(`claim ${i} was not allowed: ${JSON.stringify(r)}`);
  }
  const useCaseUs = ((performance.now() - t0) * 1000) / n;
  await s.close();
  return { plans, campaign: s.campaign, useCaseUs };
}

const syncEnqueue: Enqueue = <T>(job: () => T): Promise<T> => {
  try {
    return Promise.resolve(job());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
};

function walSize(db: SqliteDb): number {
  try {
    return statSync(`${db.name}-wal`).size;
  } catch {
    return 0;
  }
}

/** Replays the plans through the real claim repo, `batch` per IMMEDIATE transaction. */
function replay(
  plans: readonly ClaimPlan[],
  campaign: Campaign,
  sync: Sync,
  batch: number,
  measureWal: boolean,
): Omit<MicroResult['commits'][number], 'commitNoCheckpointUs' | 'commitNoCheckpointP99Ms'> {
  const store = sqliteStore({ path: join(work, `replay-${sync}-${batch}-${measureWal ? 'wal' : 't'}.db`), synchronous: sync }, sha256);
  const db = store.db;
  // The same campaign row the plans point at.
  void store.campaigns.create(campaign, { actor: 'bench', action: 'campaign.create', target: campaign.id, details: {} });
  if (measureWal) db.pragma('wal_autocheckpoint = 0');
  const repo = sqliteClaimRepo(db, syncEnqueue);
  let bodyMs = 0;
  let commitMs = 0;
  const commitTimes: number[] = [];
  const wal0 = walSize(db);
  const t0 = performance.now();
  for (let i = 0; i < plans.length; i += batch) {
    const chunk = plans.slice(i, i + batch);
    const a = performance.now();
    let b = a;
    db.transaction(() => {
      for (const p of chunk) void repo.commit(p);
      b = performance.now();
    }).immediate();
    const c = performance.now();
    bodyMs += b - a;
    commitMs += c - b;
    commitTimes.push(c - b);
  }
  const totalMs = performance.now() - t0;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const walPages = measureWal ? (walSize(db) - wal0) / (pageSize + 24) : Number.NaN;
  const granted = (db.prepare('SELECT granted_count FROM campaigns WHERE id = ?').get(campaign.id) as { granted_count: number }).granted_count;
  if (granted !== plans.length) throw new Error(`replay granted ${granted} of ${plans.length}`);
  void store.close();
  return {
    sync,
    batch,
    perClaimUs: (totalMs * 1000) / plans.length,
    bodyUs: (bodyMs * 1000) / plans.length,
    commitUs: (commitMs * 1000) / plans.length,
    commitP99Ms: summarize(commitTimes).p99,
    walPagesPerClaim: walPages / plans.length,
  };
}

/**
 * Which statements the claim transaction spends its time in: the same replay (FULL, `batch` per
 * transaction) with every statement the claim repo prepares timed (bench-only wrapper on this
 * connection's prepare; BEGIN/COMMIT/SAVEPOINT are not statements the repo prepares).
 */
function statementBreakdown(plans: readonly ClaimPlan[], campaign: Campaign, sync: Sync, batch: number): { sql: string; callsPerClaim: number; usPerCall: number; usPerClaim: number }[] {
  const store = sqliteStore({ path: join(work, `stmts-${sync}-${batch}.db`), synchronous: sync }, sha256);
  const db = store.db;
  void store.campaigns.create(campaign, { actor: 'bench', action: 'campaign.create', target: campaign.id, details: {} });
  const spent = new Map<string, { n: number; ms: number }>();
  const original = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const st = original(sql);
    const key = sql.replace(/\s+/g, ' ').trim();
    for (const m of ['run', 'get', 'all'] as const) {
      const f = st[m].bind(st) as (...a: unknown[]) => unknown;
      Object.defineProperty(st, m, {
        value: (...a: unknown[]) => {
          const t0 = performance.now();
          try {
            return f(...a);
          } finally {
            const e = spent.get(key) ?? { n: 0, ms: 0 };
            e.n++;
            e.ms += performance.now() - t0;
            spent.set(key, e);
          }
        },
      });
    }
    return st;
  }) as typeof db.prepare;
  const repo = sqliteClaimRepo(db, syncEnqueue);
  for (let i = 0; i < plans.length; i += batch) {
    const chunk = plans.slice(i, i + batch);
    db.transaction(() => {
      for (const p of chunk) void repo.commit(p);
    }).immediate();
  }
  void store.close();
  return [...spent]
    .map(([sql, e]) => ({ sql, callsPerClaim: e.n / plans.length, usPerCall: (e.ms * 1000) / e.n, usPerClaim: (e.ms * 1000) / plans.length }))
    .filter((r) => r.callsPerClaim > 0)
    .sort((a, b) => b.usPerClaim - a.usPerClaim);
}

/**
 * The floor: what one durable append per claim costs — a single ~600-byte row keyed by a ULID plus
 * a unique idempotency key, `batch` rows per transaction. No counters, no indexes beyond those two.
 */
function appendFloor(plans: readonly ClaimPlan[], sync: Sync, batch: number): number {
  const store = sqliteStore({ path: join(work, `floor-${sync}-${batch}.db`), synchronous: sync }, sha256);
  const db = store.db;
  db.exec('CREATE TABLE ledger (id TEXT PRIMARY KEY, idem TEXT NOT NULL UNIQUE, body TEXT NOT NULL) WITHOUT ROWID');
  const ins = db.prepare('INSERT INTO ledger (id, idem, body) VALUES (?, ?, ?)');
  const t0 = performance.now();
  for (let i = 0; i < plans.length; i += batch) {
    const chunk = plans.slice(i, i + batch);
    db.transaction(() => {
      for (const p of chunk) ins.run(p.record.id, `${p.idempotency.scope}:${p.idempotency.key}`, JSON.stringify(p.record));
    }).immediate();
  }
  const us = ((performance.now() - t0) * 1000) / plans.length;
  void store.close();
  return us;
}

/** The real store (group committer) in-process, `inFlight` claims outstanding at a time. */
async function inProcess(sync: Sync, n: number, inFlight = 64): Promise<MicroResult['inProcess'][number]> {
  const s = await system(sync, `inproc-${sync}`);
  const probe = probeTransactions(s.db);
  const t0 = performance.now();
  for (let i = 0; i < n; i += inFlight) {
    const rs = await Promise.all(
      Array.from({ length: Math.min(inFlight, n - i) }, (_, k) =>
        claimCoupon(s.deps, request(s.campaign.id, 'inproc', i + k), { scope: 'key_bench', idempotencyKey: idempotencyKey('inproc', i + k) }),
      ),
    );
    for (const r of rs) if (!r.ok || r.value.decision !== 'allow') throw new Error(`in-process claim not allowed: ${JSON.stringify(r)}`);
  }
  const ms = performance.now() - t0;
  await s.close();
  const txMs = probe.times.reduce((a, b) => a + b, 0);
  return { sync, claimsPerSec: n / (ms / 1000), claimsPerTx: n / Math.max(1, probe.times.length), txShare: txMs / ms };
}

export async function runMicro(n: number, log: (s: string) => void = console.log, waitQuietS = 120): Promise<MicroResult> {
  if (waitQuietS > 0) {
    const q = await waitForQuiet(waitQuietS);
    log(q.quiet ? `(machine quiet after ${fmt(q.waitedS, 0)} s)` : `!! the machine is busy (others use ${fmt(q.busyCores * 100, 0)}% CPU); measuring anyway`);
  }
  const cpu0 = cpuTimes();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const disk = diskSync();
    log(`disk: 4 KiB write + fdatasync: p50 ${fmt(disk.p50, 3)} ms, p99 ${fmt(disk.p99, 3)} ms, mean ${fmt(disk.mean, 3)} ms`);
    const { plans, campaign, useCaseUs } = await plansAndUseCaseCost(n);
    log(`use case without its commit (claimCoupon, commit stubbed), default config: ${fmt(useCaseUs, 1)} µs per claim, sequential`);
    const noRisk = await plansAndUseCaseCost(Math.min(n, 5000), false);
    log(`  the same with the risk engine off: ${fmt(noRisk.useCaseUs, 1)} µs per claim`);
    const commits: MicroResult['commits'][number][] = [];
    for (const sync of ['FULL', 'NORMAL'] as const) {
      for (const batch of [1, 8, 64, 256]) {
        const r = replay(plans, campaign, sync, batch, false);
        // Without checkpoints the WAL keeps every page: fewer plans, or it grows to gigabytes.
        const w = replay(plans.slice(0, Math.min(plans.length, 2048)), campaign, sync, batch, true);
        commits.push({ ...r, walPagesPerClaim: w.walPagesPerClaim, commitNoCheckpointUs: w.commitUs, commitNoCheckpointP99Ms: w.commitP99Ms });
      }
    }
    log(
      table(
        ['sync', 'claims/tx', 'µs/claim', 'statements µs', 'COMMIT µs', 'COMMIT p99 ms', 'w/o checkpoints: COMMIT µs', 'p99 ms', 'WAL pages/claim', 'claims/s (tx only)'],
        commits.map((c) => [
          c.sync,
          String(c.batch),
          fmt(c.perClaimUs, 1),
          fmt(c.bodyUs, 1),
          fmt(c.commitUs, 1),
          fmt(c.commitP99Ms, 2),
          fmt(c.commitNoCheckpointUs, 1),
          fmt(c.commitNoCheckpointP99Ms, 2),
          fmt(c.walPagesPerClaim, 1),
          fmtInt(1e6 / c.perClaimUs),
        ]),
      ),
    );
    const statements = statementBreakdown(plans, campaign, 'FULL', 64);
    log(`\nstatements inside the claim transaction (FULL, 64 claims per transaction), by time per claim:`);
    log(
      table(
        ['statement', 'calls/claim', 'µs/call', 'µs/claim'],
        [
          ...statements.map((r) => [r.sql.length > 90 ? `${r.sql.slice(0, 87)}...` : r.sql, fmt(r.callsPerClaim, 2), fmt(r.usPerCall, 1), fmt(r.usPerClaim, 1)]),
          ['total', fmt(statements.reduce((a, r) => a + r.callsPerClaim, 0), 1), '', fmt(statements.reduce((a, r) => a + r.usPerClaim, 0), 1)],
        ],
      ),
    );
    const floor: MicroResult['floor'][number][] = [];
    for (const sync of ['FULL', 'NORMAL'] as const) for (const batch of [1, 64]) floor.push({ sync, batch, usPerClaim: appendFloor(plans, sync, batch) });
    log(`\nfloor — one durable append per claim (one row + unique idempotency key), checkpoints on:`);
    log(table(['sync', 'claims/tx', 'µs/claim', 'claims/s'], floor.map((f) => [f.sync, String(f.batch), fmt(f.usPerClaim, 1), fmtInt(1e6 / f.usPerClaim)])));
    const inProc: MicroResult['inProcess'][number][] = [];
    for (const sync of ['FULL', 'NORMAL'] as const) {
      const r = await inProcess(sync, n);
      inProc.push(r);
      log(
        `in-process, real store with group commit, 64 in flight, ${sync}: ${fmtInt(r.claimsPerSec)} claims/s (${fmt(1e6 / r.claimsPerSec, 1)} µs per claim);` +
          ` ${fmt(r.claimsPerTx, 1)} claims per transaction; transactions ${fmt(r.txShare * 100, 0)}% of the time`,
      );
    }
    const wallMs = performance.now() - t0;
    const own = process.cpuUsage(own0);
    const others = (cpuTimes().busyMs - cpu0.busyMs - (own.user + own.system) / 1000) / wallMs;
    log(`\nother processes used ${fmt(Math.max(0, others) * 100, 0)}% of a core on average during these ${fmt(wallMs / 1000, 0)} s${others > 0.15 ? ' — !! numbers are pessimistic' : ''}`);
    return { disk, useCaseUs, useCaseNoRiskUs: noRisk.useCaseUs, commits, inProcess: inProc, statements, floor };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '20000' }, 'wait-quiet': { type: 'string', default: '120' } } });
  await runMicro(Number(values.n), console.log, Number(values['wait-quiet']));
}
