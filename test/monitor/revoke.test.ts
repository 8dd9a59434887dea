/**
 * Bulk revocation: every unused coupon of the scope is revoked exactly once, across interruptions,
 * and no coupon outside the scope changes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { processJobService } from '../../src/app/job-handlers.js';
import { startRevoke } from '../../src/core/coupons/revoke.js';
import { claimCoupon } from '../../src/core/claims/claim-coupon.js';
import { runJob } from '../../src/core/jobs/runner.js';
import { placeOrder } from '../../src/core/orders/use-cases.js';
import { jobHandlers } from '../../src/app/job-handlers.js';
import { account, makeCampaign, testSystem, type TestSystem } from '../helpers.js';
import { dbOf } from '../load-helpers.js';

let s: TestSystem;
afterEach(async () => s?.shutdown());

type Row = { id: string; status: string; campaign_id: string; account_id: string; updated_at: number };
const coupons = (sys: TestSystem) => (dbOf(sys).prepare('SELECT id, status, campaign_id, account_id, updated_at FROM coupons ORDER BY id').all() as Row[]);

async function dataset(sys: TestSystem) {
  const a = await makeCampaign(sys, { name: 'a', couponType: 'tv-guest-100', limits: { perIdentity: 100, perAccount: 100 } });
  const b = await makeCampaign(sys, { name: 'b', couponType: 'tv-guest-100', limits: { perIdentity: 100, perAccount: 100 } });
  const c = await makeCampaign(sys, { name: 'c', couponType: 'festival', limits: { perIdentity: 100, perAccount: 100 } });
  let k = 0;
  const grant = async (campaignId: string, who = account()) => {
    sys.clock.advance(1_000);
    const r = await claimCoupon(sys.deps, { campaignId: campaignId as never, channel: 'app', account: who }, { scope: 't', idempotencyKey: `g${k++}` });
    if (!r.ok || !r.value.couponId) throw new Error('not granted');
    return { couponId: r.value.couponId, accountId: who.id };
  };
  type Grant = { couponId: string; accountId: string };
  const got: { a: Grant[]; b: Grant[]; c: Grant[] } = { a: [], b: [], c: [] };
  for (let i = 0; i < 40; i++) got.a.push(await grant(a.id));
  for (let i = 0; i < 25; i++) got.b.push(await grant(b.id));
  for (let i = 0; i < 30; i++) got.c.push(await grant(c.id));
  // Some of type tv-guest-100 are already spent: they must stay redeemed.
  for (const g of got.a.slice(0, 5)) {
    const o = await placeOrder(sys.deps, { accountId: g.accountId, items: [{ sku: 's', category: 'physical', unitPriceFen: 50_000, quantity: 1 }], couponIds: [g.couponId] }, { scope: 't', idempotencyKey: `o${g.couponId}` });
    if (!o.ok || o.value.status !== 'placed') throw new Error('order not placed');
  }
  return { a, b, c, got };
}

describe('bulk revoke', () => {
  it('revokes every unused coupon of a coupon type and nothing else, audited', async () => {
    s = await testSystem();
    const { got } = await dataset(s);
    const before = coupons(s);
    const job = await startRevoke(s.deps, { couponType: 'tv-guest-100' }, 'forged codes', 'operator-1');
    if (!job.ok) throw new Error(job.error.message);
    const out = await processJobService(s.deps).run(job.value.id, { limit: 7 });
    expect(out.kind).toBe('done');
    expect(out.kind === 'done' && out.job.counts).toEqual({ revoked: 60, alreadyUsedOrGone: 5 });
    const after = new Map(coupons(s).map((r) => [r.id, r]));
    const typeIds = new Set([...got.a, ...got.b].map((g) => g.couponId));
    const spent = new Set(got.a.slice(0, 5).map((g) => g.couponId));
    for (const r of before) {
      const now = after.get(r.id)!;
      if (typeIds.has(r.id) && !spent.has(r.id)) expect(now.status).toBe('revoked');
      else expect(now).toEqual(r);
    }
    const audit = (await s.deps.store.audit.list({ limit: 500 })).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['coupons.revoke.start', 'coupons.revoke.done']));
  });

  it('an interrupted job resumes from its checkpoint and revokes each coupon exactly once', async () => {
    s = await testSystem();
    await dataset(s);
    const job = await startRevoke(s.deps, { couponType: 'tv-guest-100' }, 'incident', 'op');
    if (!job.ok) throw new Error(job.error.message);
    let batches = 0;
    const deps = { jobs: s.deps.store.jobs, clock: s.clock };
    const first = await runJob(deps, jobHandlers(s.deps), job.value.id, { owner: 'runner-1', limit: 4, shouldStop: () => ++batches > 3 });
    expect(first.kind).toBe('stopped');
    const partial = coupons(s).filter((r) => r.status === 'revoked');
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(60);
    const stamp = new Map(partial.map((r) => [r.id, r.updated_at]));
    s.clock.advance(60_000);
    const second = await runJob(deps, jobHandlers(s.deps), job.value.id, { owner: 'runner-2', limit: 4 });
    expect(second.kind).toBe('done');
    expect(second.kind === 'done' && second.job.counts.revoked).toBe(60);
    // The first runner's revocations were not redone: their timestamps are the first run's.
    for (const r of coupons(s)) if (stamp.has(r.id)) expect(r.updated_at).toBe(stamp.get(r.id));
    // A stale runner cannot apply a batch any more.
    const stale = await runJob(deps, jobHandlers(s.deps), job.value.id, { owner: 'runner-1' });
    expect(stale.kind).toBe('done');
  });

  it('scopes by accounts and time window, by code batch, and refuses an empty scope', async () => {
    s = await testSystem();
    const { a, got } = await dataset(s);
    const few = got.c.slice(0, 3).map((g) => g.accountId);
    const j = await startRevoke(s.deps, { accountIds: [...few, 'nobody'] }, 'ring members', 'op');
    if (!j.ok) throw new Error(j.error.message);
    const out = await processJobService(s.deps).run(j.value.id);
    expect(out.kind === 'done' && out.job.counts.revoked).toBe(3);
    // A code batch: the coupons claimed with its codes, not the campaign's others.
    const locked = await makeCampaign(s, { name: 'event', channels: ['offline_event', 'app'], limits: { perIdentity: 5, perAccount: 5 } });
    const issue = async () => (await s.app.inject({ method: 'POST', url: `/v1/campaigns/${locked.id}/code-batches`, headers: { authorization: `Bearer ${s.keys.operator}` }, payload: { event: 'tv', count: 3, expiresAt: new Date(s.clock.now() + 3_600_000).toISOString() } })).json<{ batch: { id: string }; codes: { text: string }[] }>();
    const leaked = await issue();
    const other = await issue();
    let n = 0;
    for (const b of [leaked, other]) for (const c of b.codes) await claimCoupon(s.deps, { campaignId: locked.id, channel: 'offline_event', code: c.text, account: account() }, { scope: 't', idempotencyKey: `c${n++}` });
    await claimCoupon(s.deps, { campaignId: locked.id, channel: 'app', account: account() }, { scope: 't', idempotencyKey: 'plain' });
    const jb = await startRevoke(s.deps, { batchId: leaked.batch.id }, 'leaked batch', 'op');
    if (!jb.ok) throw new Error(jb.error.message);
    const ob = await processJobService(s.deps).run(jb.value.id);
    expect(ob.kind === 'done' && ob.job.counts.revoked).toBe(3);
    expect(coupons(s).filter((r) => r.campaign_id === locked.id && r.status === 'revoked')).toHaveLength(3);
    expect(coupons(s).filter((r) => r.campaign_id === locked.id && r.status === 'available')).toHaveLength(4);
    expect((await startRevoke(s.deps, {}, 'x', 'op')).ok).toBe(false);
    expect((await startRevoke(s.deps, { campaignId: 'cmp_01HZX3M0000000000000000009' }, 'x', 'op')).ok).toBe(false);
    // Over HTTP: 202 and a job that finishes.
    const r = await s.app.inject({ method: 'POST', url: '/v1/revocations', headers: { authorization: `Bearer ${s.keys.operator}` }, payload: { campaignId: a.id, reason: 'kill switch' } });
    expect(r.statusCode).toBe(202);
    const id = r.json<{ id: string }>().id;
    for (let i = 0; i < 50; i++) {
      const jj = await s.deps.store.jobs.get(id as never);
      if (jj?.status === 'done') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    expect((await s.deps.store.jobs.get(id as never))?.status).toBe('done');
    expect((await s.app.inject({ method: 'POST', url: '/v1/revocations', headers: { authorization: `Bearer ${s.keys.client}` }, payload: { campaignId: a.id, reason: 'x' } })).statusCode).toBe(403);
    expect((await s.app.inject({ method: 'POST', url: '/v1/revocations', headers: { authorization: `Bearer ${s.keys.operator}` }, payload: { reason: 'x' } })).statusCode).toBe(400);
  });
});
