/**
 * Claims committed on the SQLite writer thread (the default for file stores): the budget holds
 * under a race, retries grant once, and a writer thread that dies in the middle of a load loses
 * nothing and grants nothing twice — its unanswered plans are committed again on the serving
 * thread, where the idempotency key finds any the thread had already committed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/node/clock.js';
import type { ClaimWriter } from '../src/adapters/sqlite/writer-thread.js';
import { compose, type Composed } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import { claimCoupon } from '../src/core/claims/claim-coupon.js';
import { makeCampaign, T0 } from './helpers.js';
import { dbOf, expectLedgerConsistent, racer, SECRETS_ENV, tempDb } from './load-helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function fileSystem(writer: 'thread' | 'inline' = 'thread'): Composed & { writer: ClaimWriter | null } {
  const db = tempDb();
  cleanups.push(db.cleanup);
  const s = compose(loadConfig({ ...SECRETS_ENV }, { dbPath: db.path, sqliteWriter: writer }), { clock: new ManualClock(T0) });
  cleanups.push(() => s.close());
  return { ...s, writer: (s.deps.store as typeof s.deps.store & { claimWriter: ClaimWriter | null }).claimWriter };
}

const claimAs = (s: Composed, campaignId: string, i: number, key = `k-${i}`) =>
  claimCoupon(s.deps, { campaignId: campaignId as never, channel: 'app', account: racer(i, 'w') }, { scope: 'writer-test', idempotencyKey: key });

describe('SQLite writer thread', () => {
  it('is the default for a file store, and 3,000 concurrent claims at 100 units grant exactly 100', async () => {
    const s = fileSystem();
    expect(s.writer).not.toBeNull();
    await s.deps.store.warm?.();
    const c = await makeCampaign(s, { budget: { count: 100, moneyFen: 100 * 10_000 } });
    const answers = await Promise.all(Array.from({ length: 3_000 }, (_, i) => claimAs(s, c.id, i)));
    expect(answers.every((a) => a.ok)).toBe(true);
    const decisions = answers.map((a) => (a.ok ? a.value.decision : 'error'));
    expect(decisions.filter((d) => d === 'allow')).toHaveLength(100);
    // Every one of them went through the thread.
    expect(s.writer!.alive()).toBe(true);
    expect(s.writer!.answered()).toBe(3_000);
    // The thread reports its group commits: every claim in one of them, grouped (not one per COMMIT).
    const st = s.writer!.stats();
    expect(st.claims).toBe(3_000);
    expect(st.batchSizes.reduce((a, b) => a + b, 0)).toBe(st.transactions);
    expect(st.transactions).toBeLessThan(3_000);
    expect(st.statementsMs + st.commitMs).toBeGreaterThan(0);
    expect(expectLedgerConsistent(dbOf(s), c.id)).toMatchObject({ grantedCount: 100, coupons: 100, allowClaims: 100 });
    // Retries with the same keys answer the first answers and grant nothing new.
    const again = await Promise.all(Array.from({ length: 300 }, (_, i) => claimAs(s, c.id, i)));
    again.forEach((a, i) => expect(a.ok && answers[i]!.ok && a.value.claimId === answers[i]!.value.claimId).toBe(true));
    expect(expectLedgerConsistent(dbOf(s), c.id)).toMatchObject({ grantedCount: 100, coupons: 100 });
  });

  it('a thread that dies mid-load: every claim is answered, the ledger adds up, nothing is granted twice', async () => {
    const s = fileSystem();
    await s.deps.store.warm?.();
    const c = await makeCampaign(s, { budget: { count: 1_500, moneyFen: 1_500 * 10_000 } });
    const inFlight = Array.from({ length: 4_000 }, (_, i) => claimAs(s, c.id, i));
    // Let some batches land, then kill the thread while the rest are queued or in its transaction.
    for (let i = 0; i < 5_000 && s.writer!.answered() < 200; i++) await new Promise((r) => setTimeout(r, 1));
    await s.writer!.crash();
    const answers = await Promise.all(inFlight);
    expect(s.writer!.alive()).toBe(false);
    // The crash really came mid-load: the thread answered some, the serving thread the rest.
    expect(s.writer!.answered()).toBeGreaterThan(0);
    expect(s.writer!.answered()).toBeLessThan(4_000);
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    const allowed = answers.filter((a) => a.ok && a.value.decision === 'allow');
    expect(allowed).toHaveLength(1_500);
    expect(new Set(allowed.map((a) => (a.ok ? a.value.couponId : null))).size).toBe(1_500);
    expect(expectLedgerConsistent(dbOf(s), c.id)).toMatchObject({ grantedCount: 1_500, coupons: 1_500, allowClaims: 1_500, maxPerAccount: 1 });
    // One claim per request: a plan committed by the thread and again here is one row, not two.
    expect(dbOf(s).prepare('SELECT count(*) FROM claims WHERE campaign_id = ?').pluck().get(c.id)).toBe(4_000);
    // Retried after the crash, the same keys answer as before.
    const again = await Promise.all(Array.from({ length: 200 }, (_, i) => claimAs(s, c.id, i)));
    again.forEach((a, i) => expect(a.ok && answers[i]!.ok && a.value.claimId === answers[i]!.value.claimId).toBe(true));
  });

  it('COUPONGUARD_SQLITE_WRITER=inline keeps claims on the serving thread; in-memory stores never start one', () => {
    expect(fileSystem('inline').writer).toBeNull();
    const mem = compose(loadConfig({ ...SECRETS_ENV }, { dbPath: ':memory:' }));
    cleanups.push(() => mem.close());
    expect((mem.deps.store as typeof mem.deps.store & { claimWriter: ClaimWriter | null }).claimWriter).toBeNull();
    expect(() => loadConfig({ ...SECRETS_ENV, COUPONGUARD_SQLITE_WRITER: 'sideways' }, { dbPath: ':memory:' })).toThrow(/thread or inline/);
  });
});
