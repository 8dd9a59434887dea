/**
 * Loss accounting adds up. A crafted incident with known numbers: granted = redeemed + unused,
 * redeemed = fulfilled + frozen + cancelled (+ placed and not yet frozen), each bucket exact, the
 * real loss the discount on fulfilled orders. Then a property: on random worlds and random incident
 * actions, the report's identities hold and its buckets equal what the ledger tables say.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentDeps, processJobService } from '../../src/app/job-handlers.js';
import { claimCoupon } from '../../src/core/claims/claim-coupon.js';
import { actOnIncidentOrder, openIncident, startIncidentJob } from '../../src/core/incidents/use-cases.js';
import { incidentLoss } from '../../src/core/incidents/report.js';
import { actOnOrder } from '../../src/core/orders/use-cases.js';
import type { CampaignId, CouponId, OrderId } from '../../src/core/shared/ids.js';
import { HOUR, makeCampaign, testSystem, type TestSystem } from '../helpers.js';
import { racer } from '../load-helpers.js';
import { buildWorld, dbOf, order } from './world.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function runBulk(s: TestSystem, id: string, action: 'freeze' | 'release' | 'cancel', filter = {}) {
  const j = await startIncidentJob(s.deps, id as never, action, filter, 'op');
  if (!j.ok) throw new Error(j.error.message);
  const out = await processJobService(s.deps).run(j.value.job.id, { limit: 4 });
  expect(out.kind).toBe('done');
}

async function lossOf(s: TestSystem, id: string) {
  const r = await incidentLoss(s.deps, id as never);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

let key = 0;
async function claim(s: TestSystem, campaignId: CampaignId, i: number, prefix: string): Promise<CouponId> {
  const r = await claimCoupon(s.deps, { campaignId, channel: 'app', account: racer(i, prefix) }, { scope: 'shop', idempotencyKey: `l-${key++}` });
  if (!r.ok || !r.value.couponId) throw new Error('claim failed');
  return r.value.couponId;
}

describe('loss report', () => {
  it('adds up on a crafted incident', async () => {
    const s = await testSystem();
    cleanups.push(() => s.shutdown());
    const w = await buildWorld(s);
    const inc = await openIncident(incidentDeps(s.deps), { title: 'crafted', scope: [{ kind: 'campaign', value: w.stolen.id }], leniency: { sweptInOrders: 'freeze' } }, 'op');
    if (!inc.ok) throw new Error(inc.error.message);
    const id = inc.value.id;
    // Another campaign in scope: two of its coupons never spent, one revoked unspent.
    const extra = await makeCampaign(s, { name: 'also stolen' });
    await s.deps.store.incidents.addScope(id, [{ kind: 'campaign', value: extra.id }], s.clock.now(), { actor: 'op', action: 'incident.scope.add', target: id, details: {} });
    const unused = [await claim(s, extra.id, 1, 'u'), await claim(s, extra.id, 2, 'u'), await claim(s, extra.id, 3, 'u')];
    await s.deps.store.coupons.revoke(unused[2]!, s.clock.now(), { actor: 'op', action: 'coupon.revoke', target: unused[2]!, details: {} });

    // Before any action: 3 fulfilled, 9 placed (at risk), 2 unused, 1 revoked.
    let r = (await lossOf(s, id));
    expect(r.granted).toEqual({ count: 15, faceFen: 15 * 10_000, discountFen: 12 * 10_000 });
    expect(r.buckets.fulfilled.count).toBe(3);
    expect(r.buckets.pending.count).toBe(9);
    expect(r.realLossFen).toBe(30_000);
    expect(r.atRiskFen).toBe(90_000);

    await runBulk(s, id, 'freeze');
    // Two ring orders are cancelled by the police's decision: the stolen coupon is voided.
    await actOnIncidentOrder(s.deps, id, w.ringOrders[6]!, 'cancel', 'op');
    await actOnIncidentOrder(s.deps, id, w.ringOrders[7]!, 'cancel', 'op');
    r = (await lossOf(s, id));
    const b = r.buckets;
    expect({ fulfilled: b.fulfilled.count, frozen: b.frozen.count, cancelled: b.cancelled.count, pending: b.pending.count }).toEqual({ fulfilled: 3, frozen: 7, cancelled: 2, pending: 0 });
    expect({ open: b.unusedOpen.count, expired: b.unusedExpired.count, revoked: b.unusedRevoked.count }).toEqual({ open: 2, expired: 0, revoked: 1 });
    // granted = redeemed + unused; redeemed = fulfilled + frozen + cancelled.
    expect(r.granted.count).toBe(r.redeemed.count + r.unused.count);
    expect(r.granted.faceFen).toBe(r.redeemed.faceFen + r.unused.faceFen);
    expect(r.redeemed.count).toBe(b.fulfilled.count + b.frozen.count + b.cancelled.count);
    expect(r.redeemed.faceFen).toBe(b.fulfilled.faceFen + b.frozen.faceFen + b.cancelled.faceFen);
    expect(r.checks).toEqual({ grantedIsRedeemedPlusUnused: true, redeemedIsFulfilledFrozenCancelledPending: true });
    expect({ real: r.realLossFen, recoverable: r.recoverableFen, recovered: r.recoveredFen }).toEqual({ real: 30_000, recoverable: 70_000, recovered: 20_000 });
    expect(r.orders).toEqual({ flagged: 3, frozen: 7, cancelled: 2 });
    expect(r.byCampaign.map((c) => [c.campaignId, c.granted.count])).toEqual([[w.stolen.id, 12], [extra.id, 3]].sort());

    // Released orders are at risk again; unspent coupons expire with time.
    await actOnIncidentOrder(s.deps, id, w.sweptOrders[0]!, 'release', 'op');
    s.clock.advance(72 * HOUR);
    r = (await lossOf(s, id));
    expect(r.buckets.pending.count).toBe(1);
    expect(r.buckets.unusedExpired.count).toBe(2);
    expect(r.redeemed.count).toBe(r.buckets.fulfilled.count + r.buckets.frozen.count + r.buckets.cancelled.count + r.buckets.pending.count);
    expect(r.checks.grantedIsRedeemedPlusUnused && r.checks.redeemedIsFulfilledFrozenCancelledPending).toBe(true);
  });

  it('adds up on random worlds after random actions, and matches the ledger tables', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          orders: fc.array(fc.record({ spend: fc.boolean(), fulfil: fc.boolean() }), { minLength: 1, maxLength: 10 }),
          actions: fc.array(fc.record({ action: fc.constantFrom('freeze', 'release', 'cancel' as const), pick: fc.nat(), one: fc.boolean() }), { maxLength: 5 }),
          restoreOnCancel: fc.boolean(),
          revokeUnused: fc.boolean(),
        }),
        async (p) => {
          const s = await testSystem();
          try {
            const c = await makeCampaign(s, { restoreOnCancel: p.restoreOnCancel, limits: { perIdentity: 5, perAccount: 5, perPhone: 5 } });
            const orders: OrderId[] = [];
            const prefix = `p${key}`;
            for (const [i, o] of p.orders.entries()) {
              const coupon = await claim(s, c.id, i, prefix);
              if (!o.spend) {
                if (p.revokeUnused) await s.deps.store.coupons.revoke(coupon, s.clock.now(), { actor: 'op', action: 'coupon.revoke', target: coupon, details: {} });
                continue;
              }
              orders.push(await order(s, racer(i, prefix).id, [coupon], { fulfil: o.fulfil }));
            }
            const inc = await openIncident(incidentDeps(s.deps), { title: 'random', scope: [{ kind: 'campaign', value: c.id }] }, 'op');
            if (!inc.ok) throw new Error(inc.error.message);
            for (const a of p.actions) {
              if (a.one && orders.length) await actOnIncidentOrder(s.deps, inc.value.id, orders[a.pick % orders.length]!, a.action, 'op');
              else await runBulk(s, inc.value.id, a.action);
            }
            // A cancel by the shop too, outside the incident.
            if (orders.length) await actOnOrder(s.deps, orders[0]!, 'cancel', 'shop', false);
            const r = (await lossOf(s, inc.value.id));
            expect(r.checks).toEqual({ grantedIsRedeemedPlusUnused: true, redeemedIsFulfilledFrozenCancelledPending: true });
            const db = dbOf(s);
            const count = (sql: string) => (db.prepare(sql).get(c.id) as { n: number }).n;
            expect(r.granted.count).toBe(count('SELECT count(*) AS n FROM coupons WHERE campaign_id = ?'));
            expect(r.buckets.fulfilled.count).toBe(count("SELECT count(*) AS n FROM coupons cp JOIN orders o ON o.id = cp.order_id WHERE cp.campaign_id = ? AND o.status = 'fulfilled'"));
            expect(r.buckets.frozen.count).toBe(count("SELECT count(*) AS n FROM coupons cp JOIN orders o ON o.id = cp.order_id WHERE cp.campaign_id = ? AND o.status = 'frozen'"));
            expect(r.unused.count).toBe(count('SELECT count(*) AS n FROM coupons WHERE campaign_id = ? AND order_id IS NULL'));
            expect(r.granted.faceFen).toBe(r.granted.count * 10_000);
          } finally {
            await s.shutdown();
          }
        },
      ),
      { numRuns: 25, seed: 20190120 },
    );
  });
});
