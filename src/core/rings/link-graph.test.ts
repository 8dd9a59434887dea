import { describe, expect, it } from 'vitest';
import type { ClaimRecord } from '../claims/claim.js';
import type { Order } from '../orders/order.js';
import { KIND_PRIOR } from './kinds.js';
import { LinkGraphBuilder, LOCKSTEP_WINDOW_MS } from './link-graph.js';

const claim = (over: Partial<ClaimRecord>): ClaimRecord =>
  ({
    id: 'clm_1', at: 0, campaignId: 'cmp_A', channel: 'app', accountId: 'a', phone: null, deviceId: null, ip: null, identityHash: null,
    codeId: null, batchId: null, codeFingerprint: null, decision: 'allow', reasons: [], policyVersion: 'p', rules: [], signals: {},
    couponId: 'cpn_1', challengeId: null, faceValueFen: 10_000, accountCreatedAt: null, identityVerified: false, shadow: null, ...over,
  }) as ClaimRecord;

const things = (b: LinkGraphBuilder) => {
  const lg = b.build();
  const out: Record<string, string[]> = {};
  for (let i = 0; i < lg.graph.rows; i++) {
    const list: string[] = [];
    for (let e = lg.graph.rowPtr[i]!; e < lg.graph.rowPtr[i + 1]!; e++) list.push(`${lg.thingKind[lg.graph.rowAdj[e]!]}:${lg.thingValue[lg.graph.rowAdj[e]!]}`);
    out[lg.accounts[i]!] = list.sort();
  }
  return { lg, out };
};

describe('link graph builder', () => {
  it('links claims through phone, device, IP and /24, identity, code and lockstep slots; drops what only one account has', () => {
    const b = new LinkGraphBuilder();
    const t = 5 * LOCKSTEP_WINDOW_MS + 1000;
    b.addClaim(claim({ accountId: 'a' as never, at: t, phone: '13800000001', deviceId: 'd1', ip: '10.0.0.1', identityHash: 'h1', codeId: 'cod_X' as never }));
    b.addClaim(claim({ accountId: 'b' as never, at: t + 60_000, phone: '13900000009', deviceId: 'd1', ip: '10.0.0.2', identityHash: 'h2', codeId: 'cod_X' as never }));
    const { lg, out } = things(b);
    expect(out.a).toEqual(['code:cod_X', 'device:d1', 'ip24:10.0.0', `lockstep:cmp_A:a:5`, `lockstep:cmp_A:b:5`].sort());
    expect(out.b).toEqual(out.a);
    // Private things (each one's phone, IP, identity) are gone from the graph but kept as evidence.
    expect(lg.privateEvidence[0]).toBeCloseTo(KIND_PRIOR.phone + KIND_PRIOR.ip + KIND_PRIOR.identity);
    expect(lg.droppedThings).toBe(6);
    expect(lg.claims.granted[0]).toBe(1);
    expect(lg.claims.faceValueFen[1]).toBe(10_000);
  });

  it('links orders through top-up targets and products, and counts cash-out value', () => {
    const b = new LinkGraphBuilder();
    const order = (accountId: string, target: string): Order =>
      ({
        id: 'ord_1', accountId, at: 10, status: 'placed', decision: 'allow', reasons: [], policyVersion: 'p', rules: [], signals: {}, deviceId: null, ip: null, updatedAt: 10,
        items: [{ sku: 'topup-100', category: 'virtual_topup', unitPriceFen: 10_000, quantity: 1, topupTarget: target }],
        coupons: [], totalFen: 10_000, discountFen: 10_000, payFen: 0,
      }) as unknown as Order;
    b.addOrder(order('a', 'phone:18800000001'));
    b.addOrder(order('b', 'phone:18800000001'));
    const { lg, out } = things(b);
    expect(out.a).toEqual(['product:topup-100', 'target:phone:18800000001']);
    expect(lg.orders.cashoutFen[0]).toBe(10_000);
    expect(lg.orders.discountFen[1]).toBe(10_000);
  });

  it('turns runs of near-consecutive numbers into a shared thing', () => {
    const b = new LinkGraphBuilder();
    ['17012340001', '17012340003', '17012340004', '13912345678'].forEach((p, i) => b.add(`acc${i}`, 'phone', p, 0));
    const { out } = things(b);
    expect(out.acc0).toEqual(['phone_run:1701234:0001-0004']);
    expect(out.acc2).toEqual(['phone_run:1701234:0001-0004']);
    expect(out.acc3).toEqual([]);
  });
});
