/**
 * Redeeming coupons on orders: pricing (thresholds, percent caps, fixed amounts capped at the
 * total, categories), ownership and single use, and the order state machine with what cancelling
 * does to the coupons on the order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/node/clock.js';
import { compose } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import type { Campaign, CampaignInput } from '../src/core/campaigns/campaign.js';
import { passThroughPolicy, type Policy } from '../src/core/claims/policy.js';
import { createApiKey } from '../src/core/keys.js';
import { buildApp } from '../src/http/app.js';
import { ROLES, type Role } from '../src/ports/store.js';
import { account, HOUR, makeCampaign, T0, testSystem, type TestSystem } from './helpers.js';

interface OrderAnswer {
  orderId: string;
  status: string;
  decision: string;
  totalFen: number;
  discountFen: number;
  payFen: number;
  coupons: { couponId: string; campaignId: string; discountFen: number }[];
  reasons: { code: string }[];
}
interface CouponView {
  id: string;
  status: string;
  orderId: string | null;
}
type Item = { sku: string; category: string; unitPriceFen: number; quantity: number };

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const item = (unitPriceFen: number, category = 'physical', quantity = 1): Item => ({
  sku: `sku-${category}`,
  category,
  unitPriceFen,
  quantity,
});
let idem = 0;

/** A system like `testSystem`, with a risk policy plugged in through the composition root. */
async function systemWithPolicy(policy: Policy): Promise<TestSystem> {
  const clock = new ManualClock(T0);
  const composed = compose(loadConfig({}, { dbPath: ':memory:', synchronous: 'NORMAL' }), { clock, policy });
  const app = await buildApp(composed.deps);
  const keys = {} as Record<Role, string>;
  for (const role of ROLES)
    keys[role] = (await createApiKey(composed.deps, role, `test ${role}`, 'test')).key;
  return { ...composed, clock, app, keys, shutdown: async () => (await app.close(), await composed.close()) };
}

describe('orders', () => {
  let s: TestSystem;

  beforeEach(async () => {
    s = await testSystem();
  });
  afterEach(async () => {
    await s.shutdown();
  });

  async function campaign(over: Partial<CampaignInput>): Promise<Campaign> {
    return makeCampaign(s, { limits: { perIdentity: 100, perAccount: 100, perPhone: 100 }, ...over });
  }

  /** Claims a coupon through the API for a new (or given) account. */
  async function grant(c: Campaign, who = account()): Promise<{ couponId: string; accountId: string }> {
    const r = await s.app.inject({
      method: 'POST',
      url: '/v1/claims',
      headers: { ...bearer(s.keys.client), 'idempotency-key': `o-claim-${idem++}` },
      payload: { campaignId: c.id, channel: 'app', account: who },
    });
    const a = r.json<{ decision: string; couponId: string }>();
    expect(a.decision, r.body).toBe('allow');
    return { couponId: a.couponId, accountId: who.id };
  }

  async function place(
    accountId: string,
    items: Item[],
    couponIds: string[],
    key = `o-${idem++}`,
  ): Promise<OrderAnswer> {
    const r = await s.app.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { ...bearer(s.keys.client), 'idempotency-key': key },
      payload: { accountId, items, couponIds },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json<OrderAnswer>();
  }

  async function act(
    orderId: string,
    action: string,
    role: Role = action === 'freeze' || action === 'release' ? 'operator' : 'client',
  ) {
    return s.app.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/${action}`,
      headers: bearer(s.keys[role]),
    });
  }

  const coupon = async (id: string): Promise<CouponView> =>
    (
      await s.app.inject({ method: 'GET', url: `/v1/coupons/${id}`, headers: bearer(s.keys.client) })
    ).json<CouponView>();

  describe('pricing', () => {
    it('threshold ("spend 200 save 30"): refused below 200 with the coupon untouched, applied at 200', async () => {
      const c = await campaign({
        template: { discount: { kind: 'threshold', thresholdFen: 20_000, amountFen: 3_000 } },
      });
      const g = await grant(c);
      const below = await place(g.accountId, [item(12_000), item(7_999, 'service')], [g.couponId]);
      expect(below).toMatchObject({
        status: 'rejected',
        decision: 'deny',
        totalFen: 19_999,
        discountFen: 0,
        payFen: 19_999,
        coupons: [],
      });
      expect(below.reasons.map((r) => r.code)).toEqual(['THRESHOLD_NOT_MET']);
      expect((await coupon(g.couponId)).status).toBe('available');

      const at = await place(g.accountId, [item(10_000, 'physical', 2)], [g.couponId]);
      expect(at).toMatchObject({
        status: 'placed',
        decision: 'allow',
        totalFen: 20_000,
        discountFen: 3_000,
        payFen: 17_000,
      });
      expect(await coupon(g.couponId)).toMatchObject({ status: 'redeemed', orderId: at.orderId });
    });

    it('percent: 20% rounded down, capped at the cap', async () => {
      const c = await campaign({ template: { discount: { kind: 'percent', percent: 20, capFen: 5_000 } } });
      const small = await grant(c);
      expect(await place(small.accountId, [item(9_999)], [small.couponId])).toMatchObject({
        discountFen: 1_999,
        payFen: 8_000,
      });
      const big = await grant(c);
      expect(await place(big.accountId, [item(100_000)], [big.couponId])).toMatchObject({
        discountFen: 5_000,
        payFen: 95_000,
      });
    });

    it('percent with a threshold is refused below it', async () => {
      const c = await campaign({
        template: { discount: { kind: 'percent', percent: 10, capFen: 5_000, thresholdFen: 10_000 } },
      });
      const g = await grant(c);
      expect((await place(g.accountId, [item(9_999)], [g.couponId])).reasons[0]!.code).toBe(
        'THRESHOLD_NOT_MET',
      );
      expect(await place(g.accountId, [item(10_000)], [g.couponId])).toMatchObject({
        status: 'placed',
        discountFen: 1_000,
      });
    });

    it('fixed ¥100 on a ¥30 order takes ¥30 off, not ¥100', async () => {
      const c = await campaign({ template: { discount: { kind: 'fixed', amountFen: 10_000 } } });
      const g = await grant(c);
      const o = await place(g.accountId, [item(1_000, 'physical', 3)], [g.couponId]);
      expect(o).toMatchObject({ status: 'placed', totalFen: 3_000, discountFen: 3_000, payFen: 0 });
      expect(o.coupons).toEqual([{ couponId: g.couponId, campaignId: c.id, discountFen: 3_000 }]);
    });

    it('stacked coupons of different campaigns never take more than the total', async () => {
      const a = await campaign({ template: { discount: { kind: 'fixed', amountFen: 10_000 } } });
      const b = await campaign({ template: { discount: { kind: 'fixed', amountFen: 5_000 } } });
      const who = account();
      const ga = await grant(a, who);
      const gb = await grant(b, who);
      const o = await place(who.id, [item(12_000)], [ga.couponId, gb.couponId]);
      expect(o).toMatchObject({ totalFen: 12_000, discountFen: 12_000, payFen: 0 });
      expect(o.coupons.map((x) => x.discountFen)).toEqual([10_000, 2_000]);
    });

    it('two coupons of one campaign on one order are refused', async () => {
      const c = await campaign({});
      const who = account();
      const g1 = await grant(c, who);
      const g2 = await grant(c, who);
      expect((await place(who.id, [item(50_000)], [g1.couponId, g2.couponId])).reasons[0]!.code).toBe(
        'COUPON_DUPLICATE_CAMPAIGN',
      );
    });

    it('eligibleCategories: only eligible items count towards the discount', async () => {
      const c = await campaign({
        template: { discount: { kind: 'fixed', amountFen: 10_000 }, eligibleCategories: ['physical'] },
      });
      const g = await grant(c);
      const none = await place(
        g.accountId,
        [item(50_000, 'virtual_topup'), item(20_000, 'gift_card')],
        [g.couponId],
      );
      expect(none).toMatchObject({ status: 'rejected', discountFen: 0, payFen: 70_000 });
      expect(none.reasons[0]!.code).toBe('NO_ELIGIBLE_ITEMS');
      const mixed = await place(
        g.accountId,
        [item(50_000, 'virtual_topup'), item(3_000, 'physical')],
        [g.couponId],
      );
      expect(mixed).toMatchObject({ status: 'placed', totalFen: 53_000, discountFen: 3_000, payFen: 50_000 });
    });

    it('eligibleCategories with a threshold: the threshold is met by eligible items only', async () => {
      const c = await campaign({
        template: {
          discount: { kind: 'threshold', thresholdFen: 10_000, amountFen: 2_000 },
          eligibleCategories: ['physical', 'service'],
        },
      });
      const g = await grant(c);
      expect(
        (await place(g.accountId, [item(9_000), item(90_000, 'game_currency')], [g.couponId])).reasons[0]!
          .code,
      ).toBe('THRESHOLD_NOT_MET');
      expect(await place(g.accountId, [item(9_000), item(1_000, 'service')], [g.couponId])).toMatchObject({
        discountFen: 2_000,
      });
    });
  });

  describe('ownership and single use', () => {
    it("another account's coupon is refused and stays with its owner", async () => {
      const c = await campaign({});
      const g = await grant(c);
      const thief = account();
      const o = await place(thief.id, [item(20_000)], [g.couponId]);
      expect(o).toMatchObject({ status: 'rejected', discountFen: 0 });
      expect(o.reasons[0]!.code).toBe('COUPON_NOT_OWNED');
      expect((await coupon(g.couponId)).status).toBe('available');
      expect(await place(g.accountId, [item(20_000)], [g.couponId])).toMatchObject({
        status: 'placed',
        discountFen: 10_000,
      });
    });

    it('a coupon used on one order is refused on the next', async () => {
      const c = await campaign({});
      const g = await grant(c);
      expect((await place(g.accountId, [item(20_000)], [g.couponId])).status).toBe('placed');
      const again = await place(g.accountId, [item(20_000)], [g.couponId]);
      expect(again).toMatchObject({ status: 'rejected', discountFen: 0 });
      expect(again.reasons[0]!.code).toBe('COUPON_NOT_AVAILABLE');
    });

    it('an unknown coupon id is refused', async () => {
      const o = await place('u-1', [item(20_000)], ['cpn_00000000000000000000000000']);
      expect(o.reasons[0]!.code).toBe('COUPON_NOT_FOUND');
    });

    it('an expired coupon is refused', async () => {
      const c = await campaign({ template: { discount: { kind: 'fixed', amountFen: 1_000 }, validDays: 1 } });
      const g = await grant(c);
      s.clock.advance(24 * HOUR);
      expect((await coupon(g.couponId)).status).toBe('expired');
      expect((await place(g.accountId, [item(20_000)], [g.couponId])).reasons[0]!.code).toBe(
        'COUPON_NOT_AVAILABLE',
      );
    });

    it('a retried order (same Idempotency-Key) is the same order and redeems once; the key with another body is 422', async () => {
      const c = await campaign({});
      const g = await grant(c);
      const first = await place(g.accountId, [item(20_000)], [g.couponId], 'same-key');
      expect(await place(g.accountId, [item(20_000)], [g.couponId], 'same-key')).toEqual(first);
      const other = await s.app.inject({
        method: 'POST',
        url: '/v1/orders',
        headers: { ...bearer(s.keys.client), 'idempotency-key': 'same-key' },
        payload: { accountId: g.accountId, items: [item(30_000)], couponIds: [g.couponId] },
      });
      expect(other.statusCode).toBe(422);
      expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    });

    it('a total beyond the money limit is bad input: 400', async () => {
      const r = await s.app.inject({
        method: 'POST',
        url: '/v1/orders',
        headers: { ...bearer(s.keys.client), 'idempotency-key': 'huge' },
        payload: { accountId: 'u-1', items: [item(10_000_000_000, 'physical', 10_000)] },
      });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    });
  });

  describe('cancel and the coupons on the order', () => {
    it('cancel before fulfilment restores the coupon when the campaign says restoreOnCancel', async () => {
      const c = await campaign({ restoreOnCancel: true });
      const g = await grant(c);
      const o = await place(g.accountId, [item(20_000)], [g.couponId]);
      const r = await act(o.orderId, 'cancel');
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ status: 'cancelled' });
      expect(await coupon(g.couponId)).toMatchObject({ status: 'available', orderId: null });
      expect(await place(g.accountId, [item(20_000)], [g.couponId])).toMatchObject({
        status: 'placed',
        discountFen: 10_000,
      });
    });

    it('cancel before fulfilment voids (revokes) the coupon otherwise', async () => {
      const c = await campaign({ restoreOnCancel: false });
      const g = await grant(c);
      const o = await place(g.accountId, [item(20_000)], [g.couponId]);
      expect((await act(o.orderId, 'cancel')).statusCode).toBe(200);
      expect(await coupon(g.couponId)).toMatchObject({ status: 'revoked' });
      expect((await place(g.accountId, [item(20_000)], [g.couponId])).reasons[0]!.code).toBe(
        'COUPON_NOT_AVAILABLE',
      );
    });

    it('fulfil then cancel is 409 and the coupon stays redeemed', async () => {
      const c = await campaign({});
      const g = await grant(c);
      const o = await place(g.accountId, [item(20_000)], [g.couponId]);
      expect((await act(o.orderId, 'fulfil')).json()).toMatchObject({ status: 'fulfilled' });
      const r = await act(o.orderId, 'cancel');
      expect(r.statusCode).toBe(409);
      expect(Object.keys(r.json<object>()).sort()).toEqual(['code', 'message', 'requestId']);
      expect(r.json()).toMatchObject({ code: 'INVALID_STATE' });
      expect(await coupon(g.couponId)).toMatchObject({ status: 'redeemed', orderId: o.orderId });
    });

    it('a frozen order cancelled by an operator restores its coupon, and the operator action is audited', async () => {
      const c = await campaign({});
      const g = await grant(c);
      const o = await place(g.accountId, [item(20_000)], [g.couponId]);
      expect((await act(o.orderId, 'freeze')).json()).toMatchObject({ status: 'frozen' });
      expect((await act(o.orderId, 'cancel', 'operator')).json()).toMatchObject({ status: 'cancelled' });
      expect((await coupon(g.couponId)).status).toBe('available');
      const audit = (
        await s.app.inject({ method: 'GET', url: '/v1/audit?limit=999', headers: bearer(s.keys.auditor) })
      ).json<{ items: { action: string; target: string; details: Record<string, unknown> }[] }>();
      const acts = audit.items.filter((e) => e.target === o.orderId);
      expect(acts.map((e) => [e.action, e.details.from, e.details.to])).toEqual([
        ['order.freeze', 'placed', 'frozen'],
        ['order.cancel', 'frozen', 'cancelled'],
      ]);
    });
  });

  describe('state machine', () => {
    const ALL = ['fulfil', 'cancel', 'release', 'freeze'] as const;
    /** What each action does from each status: the new status, or 409. */
    const TABLE: Record<string, Record<(typeof ALL)[number], string | 409>> = {
      placed: { fulfil: 'fulfilled', cancel: 'cancelled', release: 409, freeze: 'frozen' },
      frozen: { fulfil: 409, cancel: 'cancelled', release: 'placed', freeze: 409 },
      fulfilled: { fulfil: 409, cancel: 409, release: 409, freeze: 409 },
      cancelled: { fulfil: 409, cancel: 409, release: 409, freeze: 409 },
      rejected: { fulfil: 409, cancel: 409, release: 409, freeze: 409 },
    };

    async function orderIn(status: string): Promise<string> {
      if (status === 'rejected')
        return (await place('u-rej', [item(100)], ['cpn_00000000000000000000000000'])).orderId;
      const id = (await place('u-sm', [item(100)], [])).orderId;
      if (status === 'frozen') await act(id, 'freeze');
      if (status === 'fulfilled') await act(id, 'fulfil');
      if (status === 'cancelled') await act(id, 'cancel');
      const now = (
        await s.app.inject({ method: 'GET', url: `/v1/orders/${id}`, headers: bearer(s.keys.client) })
      ).json<{ status: string }>();
      expect(now.status).toBe(status);
      return id;
    }

    it.each(Object.keys(TABLE))('from %s', async (from) => {
      for (const action of ALL) {
        const id = await orderIn(from);
        const r = await act(id, action);
        const want = TABLE[from]![action];
        if (want === 409) {
          expect(r.statusCode, `${from} → ${action}`).toBe(409);
          expect(r.json(), `${from} → ${action}`).toMatchObject({ code: 'INVALID_STATE' });
        } else {
          expect(r.statusCode, `${from} → ${action}`).toBe(200);
          expect(r.json(), `${from} → ${action}`).toMatchObject({ status: want });
        }
      }
    });

    it('each action belongs to its roles', async () => {
      const id = (await place('u-roles', [item(100)], [])).orderId;
      const forbidden: [string, Role][] = [
        ['freeze', 'client'],
        ['release', 'client'],
        ['fulfil', 'operator'],
        ['fulfil', 'analyst'],
        ['cancel', 'analyst'],
        ['cancel', 'auditor'],
      ];
      for (const [action, role] of forbidden)
        expect((await act(id, action, role)).statusCode, `${role} ${action}`).toBe(403);
      expect((await s.app.inject({ method: 'POST', url: `/v1/orders/${id}/fulfil` })).statusCode).toBe(401);
      expect((await act('ord_00000000000000000000000000', 'fulfil')).statusCode).toBe(404);
      expect((await act('ord_nope', 'fulfil')).statusCode).toBe(400);
    });
  });
});

describe('orders held by the risk policy', () => {
  let s: TestSystem;
  const holdLarge: Policy = {
    evaluateClaim: passThroughPolicy.evaluateClaim,
    evaluateOrder: (o) =>
      o.totalFen >= 50_000
        ? {
            action: 'hold',
            reasons: [{ code: 'LARGE_ORDER', message: 'held for review' }],
            policyVersion: 'test@1',
            rules: [{ ruleId: 'large', score: 1, action: 'hold' }],
            signals: { totalFen: o.totalFen },
          }
        : passThroughPolicy.evaluateOrder(o),
  };

  beforeEach(async () => {
    s = await systemWithPolicy(holdLarge);
  });
  afterEach(async () => {
    await s.shutdown();
  });

  async function heldOrder(): Promise<{ orderId: string; couponId: string }> {
    const c = await makeCampaign(s, { limits: { perIdentity: 10, perAccount: 10 } });
    const who = account();
    const g = await s.app.inject({
      method: 'POST',
      url: '/v1/claims',
      headers: { ...bearer(s.keys.client), 'idempotency-key': `h-${idem++}` },
      payload: { campaignId: c.id, channel: 'app', account: who },
    });
    const couponId = g.json<{ couponId: string }>().couponId;
    const o = await s.app.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { ...bearer(s.keys.client), 'idempotency-key': `h-${idem++}` },
      payload: { accountId: who.id, items: [item(60_000)], couponIds: [couponId] },
    });
    expect(o.json()).toMatchObject({
      status: 'held',
      decision: 'hold',
      discountFen: 10_000,
      reasons: [{ code: 'LARGE_ORDER' }],
    });
    return { orderId: o.json<{ orderId: string }>().orderId, couponId };
  }
  const post = (url: string, role: Role) =>
    s.app.inject({ method: 'POST', url, headers: bearer(s.keys[role]) });
  const status = async (couponId: string) =>
    (
      await s.app.inject({ method: 'GET', url: `/v1/coupons/${couponId}`, headers: bearer(s.keys.client) })
    ).json<{ status: string }>().status;

  it('a held order holds its coupon, cannot be fulfilled, and is released by an operator', async () => {
    const { orderId, couponId } = await heldOrder();
    expect(await status(couponId)).toBe('redeemed');
    expect((await post(`/v1/orders/${orderId}/fulfil`, 'client')).statusCode).toBe(409);
    expect((await post(`/v1/orders/${orderId}/release`, 'operator')).json()).toMatchObject({
      status: 'placed',
    });
    expect((await post(`/v1/orders/${orderId}/fulfil`, 'client')).json()).toMatchObject({
      status: 'fulfilled',
    });
  });

  it('a held order can be frozen, and cancelling it gives the coupon back', async () => {
    const { orderId, couponId } = await heldOrder();
    expect((await post(`/v1/orders/${orderId}/freeze`, 'operator')).json()).toMatchObject({
      status: 'frozen',
    });
    expect((await post(`/v1/orders/${orderId}/cancel`, 'client')).json()).toMatchObject({
      status: 'cancelled',
    });
    expect(await status(couponId)).toBe('available');
  });

  it('the policy decision is stored with the order', async () => {
    const { orderId } = await heldOrder();
    const o = (
      await s.app.inject({ method: 'GET', url: `/v1/orders/${orderId}`, headers: bearer(s.keys.analyst) })
    ).json();
    expect(o).toMatchObject({
      status: 'held',
      policyVersion: 'test@1',
      rules: [{ ruleId: 'large' }],
      signals: { totalFen: 60_000 },
    });
  });
});
