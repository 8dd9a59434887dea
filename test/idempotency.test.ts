/**
 * Invariant 2 (exactly once): a claim or an order retried with the same Idempotency-Key returns
 * the first answer and grants or redeems nothing new; the same key with another body is refused
 * and changes nothing; keys belong to the API key that used them.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changeCampaignState } from '../src/core/campaigns/use-cases.js';
import { createApiKey } from '../src/core/keys.js';
import type { CampaignId, CouponId } from '../src/core/shared/ids.js';
import { makeCampaign, testSystem, type TestSystem } from './helpers.js';
import { dbOf, racer, tempDb } from './load-helpers.js';

let s: TestSystem;
let campaignId: CampaignId;
let otherCampaignId: CampaignId;
let cleanup: () => void;

beforeEach(async () => {
  const db = tempDb();
  cleanup = db.cleanup;
  s = await testSystem({ dbPath: db.path });
  campaignId = (await makeCampaign(s, { limits: { perIdentity: 1, perAccount: 1 } })).id;
});
afterEach(async () => {
  await s.shutdown();
  cleanup();
});

const claimBody = (i: number, over: Record<string, unknown> = {}) => ({
  campaignId,
  channel: 'app',
  account: racer(i),
  ...over,
});

function post(path: string, key: string | null, body: unknown, apiKey = s.keys.client) {
  return s.app.inject({
    method: 'POST',
    url: path,
    headers: { authorization: `Bearer ${apiKey}`, ...(key === null ? {} : { 'idempotency-key': key }) },
    payload: body as Record<string, unknown>,
  });
}

/** Every row count that a claim or an order could change. */
function snapshot() {
  const db = dbOf(s);
  const n = (t: string) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  return {
    claims: n('claims'),
    coupons: n('coupons'),
    orders: n('orders'),
    orderCoupons: n('order_coupons'),
    orderEvents: n('order_events'),
    idempotency: n('idempotency'),
    accounts: n('accounts'),
    links: n('account_identities'),
    counters: db.prepare('SELECT coalesce(sum(n), 0) FROM claim_counters').pluck().get() as number,
    usage: db.prepare('SELECT granted_count, granted_fen FROM campaigns WHERE id = ?').get(campaignId),
    couponStatuses: db.prepare('SELECT id, status, order_id FROM coupons ORDER BY id').all(),
  };
}

describe('claims', () => {
  it('a claim retried sequentially returns the identical first answer and grants once', async () => {
    const first = await post('/v1/claims', 'retry-1', claimBody(1));
    expect(first.statusCode).toBe(200);
    const answer = first.json<{ claimId: string; couponId?: string; decision: string }>();
    expect(answer.decision).toBe('allow');
    expect(answer.couponId).toMatch(/^cpn_/);

    for (let i = 0; i < 5; i++) {
      const again = await post('/v1/claims', 'retry-1', claimBody(1));
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(answer);
    }
    expect(snapshot()).toMatchObject({
      claims: 1,
      coupons: 1,
      idempotency: 1,
      usage: { granted_count: 1, granted_fen: 10_000 },
    });
  });

  it('200 concurrent retries over HTTP get one identical answer and one grant', async () => {
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (s.app.server.address() as AddressInfo).port;
    const answers = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const res = await fetch(`http://127.0.0.1:${port}/v1/claims`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${s.keys.client}`,
            'idempotency-key': 'storm',
          },
          body: JSON.stringify(claimBody(7)),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      }),
    );
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const first = answers[0]!.body;
    expect(first).toMatchObject({ decision: 'allow', couponId: expect.stringMatching(/^cpn_/) });
    for (const a of answers) expect(a.body).toEqual(first);
    expect(snapshot()).toMatchObject({ claims: 1, coupons: 1, idempotency: 1, counters: 1 });
  });

  it('a retry returns the first answer even after the campaign changed state', async () => {
    const granted = (await post('/v1/claims', 'before-pause', claimBody(1))).json<{ decision: string }>();
    expect(granted.decision).toBe('allow');
    expect((await changeCampaignState(s.deps, campaignId, 'pause', 'test')).ok).toBe(true);

    // Granted before the pause: the retry is still that grant, not a "paused" denial.
    expect((await post('/v1/claims', 'before-pause', claimBody(1))).json()).toEqual(granted);
    const denied = (await post('/v1/claims', 'while-paused', claimBody(2))).json<{
      decision: string;
      reasons: { code: string }[];
    }>();
    expect(denied).toMatchObject({ decision: 'deny', reasons: [{ code: 'CAMPAIGN_PAUSED' }] });

    expect((await changeCampaignState(s.deps, campaignId, 'resume', 'test')).ok).toBe(true);
    const before = snapshot();
    // Denied while paused: the retry after resuming is still that denial and grants nothing.
    expect((await post('/v1/claims', 'while-paused', claimBody(2))).json()).toEqual(denied);
    expect(snapshot()).toEqual(before);
    expect(before).toMatchObject({ coupons: 1 });
  });

  it.each([
    ['another account', () => claimBody(2)],
    ['another channel', () => claimBody(1, { channel: 'web' })],
    ['another device', () => claimBody(1, { account: { ...racer(1), deviceId: 'other-device' } })],
    ['fewer fields', () => claimBody(1, { account: { id: racer(1).id } })],
    ['another campaign', () => claimBody(1, { campaignId: otherCampaignId })],
  ])(
    'the same key with a different body (%s) → 422 IDEMPOTENCY_KEY_REUSED and nothing changes',
    async (_what, other) => {
      otherCampaignId = (await makeCampaign(s)).id;
      const first = (await post('/v1/claims', 'reused', claimBody(1))).json<{ decision: string }>();
      expect(first.decision).toBe('allow');
      const before = snapshot();

      const res = await post('/v1/claims', 'reused', other());
      expect(res.statusCode).toBe(422);
      expect(res.json()).toEqual({
        code: 'IDEMPOTENCY_KEY_REUSED',
        message: expect.any(String),
        requestId: expect.any(String),
      });
      expect(snapshot()).toEqual(before);
      // The key still answers its first request.
      expect((await post('/v1/claims', 'reused', claimBody(1))).json()).toEqual(first);
      expect(snapshot()).toEqual(before);
    },
  );

  it('one key raced with two bodies: one body wins once, every request with the other gets 422', async () => {
    const reqs = Array.from({ length: 200 }, (_, i) =>
      post('/v1/claims', 'contested', i % 2 ? claimBody(1) : claimBody(2)),
    );
    const res = await Promise.all(reqs);
    const ok = res.filter((r) => r.statusCode === 200);
    const refused = res.filter((r) => r.statusCode === 422);
    expect(ok.length + refused.length).toBe(200);
    expect([ok.length, refused.length]).toEqual([100, 100]);
    const answer = ok[0]!.json<{ claimId: string }>();
    for (const r of ok) expect(r.json()).toEqual(answer);
    for (const r of refused) expect(r.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(snapshot()).toMatchObject({ claims: 1, coupons: 1, idempotency: 1 });
  });

  it('keys are scoped per API key: two shops may use the same key string independently', async () => {
    const shop2 = (await createApiKey(s.deps, 'client', 'shop 2', 'test')).key;

    const a = (await post('/v1/claims', 'order-42', claimBody(1))).json<{
      claimId: string;
      couponId: string;
      decision: string;
    }>();
    const b = (await post('/v1/claims', 'order-42', claimBody(2), shop2)).json<{
      claimId: string;
      couponId: string;
      decision: string;
    }>();
    expect(a.decision).toBe('allow');
    expect(b.decision).toBe('allow');
    expect(b.claimId).not.toBe(a.claimId);
    expect(b.couponId).not.toBe(a.couponId);

    // Each scope replays its own answer.
    expect((await post('/v1/claims', 'order-42', claimBody(1))).json()).toEqual(a);
    expect((await post('/v1/claims', 'order-42', claimBody(2), shop2)).json()).toEqual(b);
    // Shop 2 sending shop 1's exact request under a fresh key of its own is a new claim, not shop 1's replay.
    const c = (await post('/v1/claims', 'order-43', claimBody(1), shop2)).json<{
      claimId: string;
      decision: string;
      reasons: { code: string }[];
    }>();
    expect(c.claimId).not.toBe(a.claimId);
    expect(c).toMatchObject({ decision: 'deny', reasons: [{ code: 'ACCOUNT_LIMIT_REACHED' }] });
    // And shop 1's key string with shop 2's body is still refused only in shop 1's scope.
    expect((await post('/v1/claims', 'order-42', claimBody(2))).statusCode).toBe(422);
    expect(snapshot()).toMatchObject({ claims: 3, coupons: 2, idempotency: 3 });
  });

  it('a claim without an Idempotency-Key is refused and changes nothing', async () => {
    const before = snapshot();
    const res = await post('/v1/claims', null, claimBody(1));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REQUIRED' });
    expect(snapshot()).toEqual(before);
  });
});

describe('orders', () => {
  async function couponFor(i: number): Promise<string> {
    const r = (await post('/v1/claims', `coupon-for-${i}`, claimBody(i))).json<{ couponId: string }>();
    return r.couponId;
  }
  const orderBody = (i: number, couponId: string, priceFen = 50_000) => ({
    accountId: racer(i).id,
    items: [{ sku: 'tv', category: 'physical', unitPriceFen: priceFen, quantity: 1 }],
    couponIds: [couponId],
  });

  it('an order retried sequentially and 200 times concurrently redeems once and answers the same', async () => {
    const couponId = await couponFor(1);
    const first = await post('/v1/orders', 'pay-1', orderBody(1, couponId));
    expect(first.statusCode).toBe(201);
    const answer = first.json<{ orderId: string; status: string; discountFen: number }>();
    expect(answer).toMatchObject({ status: 'placed', discountFen: 10_000, payFen: 40_000 });

    for (let i = 0; i < 3; i++)
      expect((await post('/v1/orders', 'pay-1', orderBody(1, couponId))).json()).toEqual(answer);
    const storm = await Promise.all(
      Array.from({ length: 200 }, () => post('/v1/orders', 'pay-1', orderBody(1, couponId))),
    );
    for (const r of storm) {
      expect(r.statusCode).toBe(201);
      expect(r.json()).toEqual(answer);
    }
    expect(snapshot()).toMatchObject({ orders: 1, orderCoupons: 1, orderEvents: 1 });
    expect((await s.deps.store.coupons.get(couponId as CouponId))?.status).toBe('redeemed');
  });

  it('an order key reused with a different body → 422 and nothing changes; a claim key of the same string is independent', async () => {
    const couponId = await couponFor(1);
    const first = (await post('/v1/orders', 'coupon-for-1', orderBody(1, couponId))).json<{
      status: string;
    }>();
    expect(first.status).toBe('placed');
    const before = snapshot();

    const res = await post('/v1/orders', 'coupon-for-1', orderBody(1, couponId, 60_000));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(snapshot()).toEqual(before);

    // A new order (new key) with the redeemed coupon is recorded but redeems nothing.
    const second = (await post('/v1/orders', 'pay-2', orderBody(1, couponId))).json();
    expect(second).toMatchObject({
      status: 'rejected',
      discountFen: 0,
      reasons: [{ code: 'COUPON_NOT_AVAILABLE' }],
    });
    expect(snapshot()).toMatchObject({ orders: 2, orderCoupons: 1 });
  });

  it('order keys are scoped per API key', async () => {
    const shop2 = (await createApiKey(s.deps, 'client', 'shop 2', 'test')).key;
    const c1 = await couponFor(1);
    const c2 = await couponFor(2);
    const a = (await post('/v1/orders', 'checkout', orderBody(1, c1))).json<{
      orderId: string;
      status: string;
    }>();
    const b = (await post('/v1/orders', 'checkout', orderBody(2, c2), shop2)).json<{
      orderId: string;
      status: string;
    }>();
    expect([a.status, b.status]).toEqual(['placed', 'placed']);
    expect(b.orderId).not.toBe(a.orderId);
    expect((await post('/v1/orders', 'checkout', orderBody(2, c2))).statusCode).toBe(422);
    expect(snapshot()).toMatchObject({ orders: 2, orderCoupons: 2 });
  });

  it('a retry after the order was cancelled (coupon restored) redeems nothing again and returns the first answer, not the current state', async () => {
    const couponId = await couponFor(1);
    const answer = (await post('/v1/orders', 'pay-then-cancel', orderBody(1, couponId))).json<{
      orderId: string;
    }>();
    const cancel = await post(`/v1/orders/${answer.orderId}/cancel`, null, {});
    expect(cancel.statusCode).toBe(200);
    expect((await s.deps.store.coupons.get(couponId as CouponId))?.status).toBe('available');
    const before = snapshot();

    const retry = await post('/v1/orders', 'pay-then-cancel', orderBody(1, couponId));
    expect(snapshot()).toEqual(before);
    expect((await s.deps.store.coupons.get(couponId as CouponId))?.status).toBe('available');
    expect(retry.json()).toEqual(answer);
  });
});
