/**
 * A small, mixed world for the incident suites: the stolen event coupon (channel-locked, claimed with
 * one shared code by a ring and by swept-in consumers, cashed out through phone top-ups) beside an
 * ordinary festival campaign with ordinary orders, some of them fulfilled. Built through the real
 * use cases on a real store.
 */
import type { Composed } from '../../src/app/compose.js';
import type { Campaign } from '../../src/core/campaigns/campaign.js';
import { claimCoupon } from '../../src/core/claims/claim-coupon.js';
import { codeText, issueCodeBatch } from '../../src/core/codes/use-cases.js';
import { actOnOrder, placeOrder } from '../../src/core/orders/use-cases.js';
import type { BatchId, CampaignId, CodeId, CouponId, OrderId } from '../../src/core/shared/ids.js';
import type { SqliteDb } from '../../src/adapters/sqlite/index.js';
import { campaignInput, HOUR, makeCampaign, T0 } from '../helpers.js';
import { dbOf, racer } from '../load-helpers.js';

let key = 0;

export interface World {
  stolen: Campaign;
  festival: Campaign;
  batchId: BatchId;
  codeId: CodeId;
  ring: string[];
  swept: string[];
  normal: string[];
  /** Orders by who placed them. */
  ringOrders: OrderId[];
  sweptOrders: OrderId[];
  normalOrders: OrderId[];
  /** A ring account's ordinary festival order (outside a scope by campaign). */
  ringFestivalOrder: OrderId;
  targets: string[];
}

async function claim(s: Composed, campaignId: CampaignId, who: ReturnType<typeof racer>, channel: 'app' | 'offline_event', code?: string): Promise<CouponId> {
  const r = await claimCoupon(s.deps, { campaignId, channel, account: who, ...(code ? { code } : {}) }, { scope: 'shop', idempotencyKey: `w-${key++}` });
  if (!r.ok || r.value.decision !== 'allow' || !r.value.couponId) throw new Error(`claim failed: ${JSON.stringify(r)}`);
  return r.value.couponId;
}

export async function order(
  s: Composed,
  accountId: string,
  couponIds: CouponId[],
  opts: { target?: string; priceFen?: number; fulfil?: boolean; ip?: string; deviceId?: string } = {},
): Promise<OrderId> {
  const item = opts.target
    ? { sku: 'topup-100', category: 'virtual_topup' as const, unitPriceFen: opts.priceFen ?? 10_000, quantity: 1, topupTarget: { kind: 'phone' as const, value: opts.target } }
    : { sku: 'rice-5kg', category: 'physical' as const, unitPriceFen: opts.priceFen ?? 15_900, quantity: 1 };
  const r = await placeOrder(s.deps, { accountId, items: [item], couponIds, ...(opts.ip ? { ip: opts.ip } : {}), ...(opts.deviceId ? { deviceId: opts.deviceId } : {}) }, { scope: 'shop', idempotencyKey: `w-${key++}` });
  if (!r.ok || r.value.status === 'rejected') throw new Error(`order failed: ${JSON.stringify(r)}`);
  if (opts.fulfil) {
    const f = await actOnOrder(s.deps, r.value.orderId, 'fulfil', 'shop', false);
    if (!f.ok) throw new Error(f.error.message);
  }
  return r.value.orderId;
}

/**
 * 8 ring accounts (top-ups to 3 phones; 3 of the 8 already fulfilled), 4 swept-in consumers
 * (physical goods), 10 normal consumers with festival coupons (4 fulfilled), and one ring account
 * with an ordinary festival order too.
 */
export async function buildWorld(s: Composed, prefix = 'w'): Promise<World> {
  const stolen = await makeCampaign(s, {
    name: 'TV guests ¥100',
    special: true,
    channels: ['offline_event'],
    budget: { count: 1_000, moneyFen: 1_000 * 10_000 },
    limits: { perIdentity: 1, perAccount: 1 },
    restoreOnCancel: false,
  });
  const festival = await makeCampaign(s, {
    ...campaignInput(),
    name: 'New Year festival ¥20',
    template: { discount: { kind: 'fixed', amountFen: 2_000 } },
    limits: { perIdentity: 5, perAccount: 5, perPhone: 5 },
  });
  const b = await issueCodeBatch(s.deps, { campaignId: stolen.id, event: 'TV recording', count: 1, useLimit: 1_000, expiresAt: T0 + 24 * HOUR }, 'test');
  if (!b.ok) throw new Error(b.error.message);
  const codes = await s.deps.store.codes.listCodes(b.value.id, { limit: 10 });
  const code = codes.items[0]!;
  const text = codeText(s.deps, code);

  const targets = ['13800000001', '13800000002', '13800000003'];
  const w: World = { stolen, festival, batchId: b.value.id, codeId: code.id, ring: [], swept: [], normal: [], ringOrders: [], sweptOrders: [], normalOrders: [], ringFestivalOrder: '' as OrderId, targets: targets.map((t) => `phone:${t}`) };
  for (let i = 0; i < 8; i++) {
    const who = racer(i, `${prefix}ring`);
    w.ring.push(who.id);
    const c = await claim(s, stolen.id, who, 'offline_event', text);
    w.ringOrders.push(await order(s, who.id, [c], { target: targets[i % 3]!, fulfil: i < 3, ip: `203.0.113.${i}`, deviceId: `farm-${i % 2}` }));
  }
  for (let i = 0; i < 4; i++) {
    const who = racer(100 + i, `${prefix}swept`);
    w.swept.push(who.id);
    const c = await claim(s, stolen.id, who, 'offline_event', text);
    w.sweptOrders.push(await order(s, who.id, [c], { ip: `198.51.100.${i}` }));
  }
  for (let i = 0; i < 10; i++) {
    const who = racer(200 + i, `${prefix}normal`);
    w.normal.push(who.id);
    const c = await claim(s, festival.id, who, 'app');
    w.normalOrders.push(await order(s, who.id, [c], { fulfil: i < 4, ip: `192.0.2.${i}` }));
  }
  const ringFestival = await claim(s, festival.id, racer(0, `${prefix}ring`), 'app');
  w.ringFestivalOrder = await order(s, w.ring[0]!, [ringFestival]);
  return w;
}

/** Every order and coupon as it stands, with its event count: to show what an action left alone. */
export function ledgerSnapshot(db: SqliteDb) {
  const orders = new Map(
    (db.prepare('SELECT o.id, o.status, o.updated_at, (SELECT count(*) FROM order_events e WHERE e.order_id = o.id) AS events FROM orders o').all() as { id: string }[]).map((r) => [r.id, JSON.stringify(r)]),
  );
  const coupons = new Map((db.prepare('SELECT id, status, order_id, updated_at FROM coupons').all() as { id: string }[]).map((r) => [r.id, JSON.stringify(r)]));
  return { orders, coupons };
}

/** Ids whose row differs between two snapshots. */
export function changedIds(a: ReturnType<typeof ledgerSnapshot>, b: ReturnType<typeof ledgerSnapshot>) {
  const diff = (x: Map<string, string>, y: Map<string, string>) => [...new Set([...x.keys(), ...y.keys()])].filter((k) => x.get(k) !== y.get(k)).sort();
  return { orders: diff(a.orders, b.orders), coupons: diff(a.coupons, b.coupons) };
}

export { dbOf };
