/**
 * Bulk revoke of 1,000,000 coupons on the embedded store, killed midway (SIGKILL) and resumed:
 * every unused coupon of the coupon type is revoked exactly once, and no other coupon changes.
 *
 *   npx tsx bench/revoke.ts [--coupons 1000000] [--kill-after 0.4]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { compose } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import { createCampaign } from '../src/core/campaigns/use-cases.js';
import { startRevoke } from '../src/core/coupons/revoke.js';
import type { SqliteDb } from '../src/adapters/sqlite/index.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('coupons', 1_000_000);
const KILL_AFTER = arg('kill-after', 0.4);
const OUTSIDE = Math.round(N / 5);

const dir = mkdtempSync(join(os.tmpdir(), 'cg-revoke-bench-'));
const dbPath = join(dir, 'db.sqlite');
const env = { COUPONGUARD_RISK: 'off', COUPONGUARD_PII_SECRET: 'bench', COUPONGUARD_SIGNING_KEYS: 'k1:bench' };
const s = compose(loadConfig(env, { dbPath, synchronous: 'NORMAL' }));
const db = (s.deps.store as unknown as { db: SqliteDb }).db;
const now = Date.now();
const base = { template: { discount: { kind: 'fixed' as const, amountFen: 10_000 } }, special: false, channels: ['app' as const], requireCode: false, requireVerifiedIdentity: false, startsAt: now - 86_400_000, endsAt: now + 86_400_000, budget: { count: 10 * N, moneyFen: 10 * N * 10_000 }, limits: { perIdentity: 1, perAccount: 1 }, restoreOnCancel: true, state: 'active' as const };
const a = await createCampaign(s.deps, { ...base, name: 'tv guests (a)', couponType: 'tv-guest-100' }, 'bench');
const b = await createCampaign(s.deps, { ...base, name: 'tv guests (b)', couponType: 'tv-guest-100' }, 'bench');
const c = await createCampaign(s.deps, { ...base, name: 'festival', couponType: 'festival' }, 'bench');
if (!a.ok || !b.ok || !c.ok) throw new Error('campaigns');

// Seeding: coupon rows written directly (the claim path is measured in bench/claims.ts). One in
// ten in-scope coupons is already redeemed and must stay so.
process.stderr.write(`seeding ${N.toLocaleString('en')} coupons in scope and ${OUTSIDE.toLocaleString('en')} outside… `);
const t0 = performance.now();
const ins = db.prepare(`INSERT INTO coupons (id, campaign_id, account_id, claim_id, face_value_fen, status, valid_from, valid_to, granted_at, order_id, updated_at) VALUES (?, ?, ?, ?, 10000, ?, ?, ?, ?, NULL, ?)`);
db.transaction(() => {
  for (let i = 0; i < N + OUTSIDE; i++) {
    const campaign = i >= N ? c.value.id : i % 2 ? a.value.id : b.value.id;
    const id = `cpn_${String(i).padStart(26, '0')}`;
    ins.run(id, campaign, `acct-${i}`, `clm_${String(i).padStart(26, '0')}`, i < N && i % 10 === 0 ? 'redeemed' : 'available', now, now + 86_400_000, now - 1000, now - 1000);
  }
})();
process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
const outsideBefore = db.prepare("SELECT count(*) AS n, sum(updated_at) AS t FROM coupons WHERE campaign_id = ? AND status = 'available'").get(c.value.id) as { n: number; t: number };
const job = await startRevoke(s.deps, { couponType: 'tv-guest-100' }, 'bench: forged codes', 'bench');
if (!job.ok) throw new Error(job.error.message);
await s.close();

function runWorker(killAt: number | null, force = false): Promise<{ line: string; killed: boolean; seconds: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/revoke/worker.ts', dbPath, job.ok ? job.value.id : '', ...(force ? ['--force'] : [])], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let last = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().trim().split('\n')) {
        last = line;
        const m = /^progress (\d+)/.exec(line);
        if (m) {
          process.stderr.write(`\r  ${Number(m[1]).toLocaleString('en')} / ${N.toLocaleString('en')} walked`);
          if (killAt !== null && !killed && Number(m[1]) >= killAt) {
            killed = true;
            child.kill('SIGKILL');
          }
        }
      }
    });
    child.on('error', reject);
    child.on('exit', () => {
      process.stderr.write('\n');
      resolve({ line: last, killed, seconds: (performance.now() - t) / 1000 });
    });
  });
}

const first = await runWorker(Math.round(N * KILL_AFTER));
console.log(`first runner: SIGKILL after ${first.seconds.toFixed(1)} s (${first.line})`);
// The operator knows the first runner is dead (we killed it): take over its lease at once,
// as `couponguard jobs resume --force` does, instead of waiting for the lease to run out.
const second = await runWorker(null, true);
console.log(`resumed runner: ${second.line} in ${second.seconds.toFixed(1)} s`);

const check = compose(loadConfig(env, { dbPath }));
const cdb = (check.deps.store as unknown as { db: SqliteDb }).db;
const count = (sql: string, ...p: unknown[]) => (cdb.prepare(sql).get(...p) as { n: number }).n;
const revoked = count("SELECT count(*) AS n FROM coupons WHERE status = 'revoked'");
const stillAvailable = count("SELECT count(*) AS n FROM coupons WHERE campaign_id IN (?, ?) AND status = 'available'", a.value.id, b.value.id);
const redeemed = count("SELECT count(*) AS n FROM coupons WHERE campaign_id IN (?, ?) AND status = 'redeemed'", a.value.id, b.value.id);
const outsideAfter = cdb.prepare("SELECT count(*) AS n, sum(updated_at) AS t FROM coupons WHERE campaign_id = ? AND status = 'available'").get(c.value.id) as { n: number; t: number };
const finalJob = await check.deps.store.jobs.get(job.value.id);
await check.close();
const expected = N - N / 10;
const ok = revoked === expected && stillAvailable === 0 && redeemed === N / 10 && outsideAfter.n === outsideBefore.n && outsideAfter.t === outsideBefore.t && finalJob?.counts.revoked === expected;
console.log(
  [
    `machine: ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, node ${process.version}`,
    `in scope: ${N.toLocaleString('en')} coupons of type tv-guest-100 (${(N / 10).toLocaleString('en')} already redeemed); outside: ${OUTSIDE.toLocaleString('en')}`,
    `revoked ${revoked.toLocaleString('en')} (expected ${expected.toLocaleString('en')}); job counted ${finalJob?.counts.revoked?.toLocaleString('en')} revoked across ${finalJob?.batches} batches`,
    `redeemed untouched: ${redeemed === N / 10}; outside scope untouched: ${outsideAfter.n === outsideBefore.n && outsideAfter.t === outsideBefore.t}`,
    `total time (both runners): ${(first.seconds + second.seconds).toFixed(1)} s`,
    ok ? 'RESULT: each in-scope coupon revoked exactly once, nothing else changed' : 'RESULT: MISMATCH',
  ].join('\n'),
);
process.exitCode = ok ? 0 : 1;
