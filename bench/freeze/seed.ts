/**
 * Seeds a store with many orders fast, straight into the ledger tables (the order path would take
 * minutes for a million): for each order one coupon (with the claim that granted it) redeemed on
 * it. Used by the freeze benchmark and by the kill-and-resume test.
 *
 * The rows have exactly the shape the repos write (see order-repo.ts, claim-repo.ts), so every
 * read path (orders.get, traces, loss accounting) sees ordinary orders.
 */
import type { Composed } from '../../src/app/compose.js';
import type { SqliteDb } from '../../src/adapters/sqlite/index.js';
import { createCampaign } from '../../src/core/campaigns/use-cases.js';
import type { CampaignInput } from '../../src/core/campaigns/campaign.js';
import type { CampaignId } from '../../src/core/shared/ids.js';

export interface SeedPlan {
  /** Orders using the stolen campaign's coupon (the ones an incident by campaign covers). */
  readonly inScope: number;
  /** Orders using an ordinary campaign's coupon, interleaved with the others. */
  readonly outOfScope: number;
  /** Per thousand in-scope orders: fulfilled, held (the rest are placed). */
  readonly fulfilledPerMille?: number;
  readonly heldPerMille?: number;
  readonly at: number;
  readonly onProgress?: (done: number, total: number) => void;
}

const dbOf = (s: Composed): SqliteDb => (s.deps.store as unknown as { db: SqliteDb }).db;

function campaign(name: string, at: number, count: number, amountFen: number, restoreOnCancel: boolean): CampaignInput {
  return {
    name,
    template: { discount: { kind: 'fixed', amountFen } },
    special: false,
    channels: ['app'],
    requireCode: false,
    requireVerifiedIdentity: false,
    startsAt: at - 3_600_000,
    endsAt: at + 30 * 86_400_000,
    budget: { count, moneyFen: count * amountFen },
    limits: { perIdentity: 1, perAccount: 1 },
    restoreOnCancel,
    state: 'active',
  };
}

const pad = (n: number) => String(n).padStart(10, '0');
/** Sortable ids of the platform's shape (prefix + 26 Crockford characters). */
const fakeId = (prefix: string, n: number) => `${prefix}_0000000000000000${pad(n)}`;

export async function seedOrders(s: Composed, plan: SeedPlan): Promise<{ stolen: CampaignId; ordinary: CampaignId; total: number }> {
  const total = plan.inScope + plan.outOfScope;
  const stolenR = await createCampaign(s.deps, campaign('TV guests ¥100 (stolen)', plan.at, Math.max(plan.inScope, 1), 10_000, false), 'seed');
  const ordinaryR = await createCampaign(s.deps, campaign('Festival ¥20', plan.at, Math.max(plan.outOfScope, 1), 2_000, true), 'seed');
  if (!stolenR.ok || !ordinaryR.ok) throw new Error('cannot create the seed campaigns');
  const stolen = stolenR.value.id;
  const ordinary = ordinaryR.value.id;
  const db = dbOf(s);
  const ins = {
    claim: db.prepare(
      `INSERT INTO claims (id, at, campaign_id, channel, account_id, phone, device_id, ip, identity_hash, code_id, batch_id, code_fp,
         decision, reasons, policy_version, rules, signals, coupon_id, challenge_id, face_value_fen)
       VALUES (?, ?, ?, 'app', ?, ?, ?, ?, NULL, NULL, NULL, NULL, 'allow', '[{"code":"GRANTED","message":"Coupon granted"}]', 'seed@1', '[]', '{}', ?, NULL, ?)`,
    ),
    coupon: db.prepare(
      `INSERT INTO coupons (id, campaign_id, account_id, claim_id, face_value_fen, status, valid_from, valid_to, granted_at, order_id, updated_at)
       VALUES (?, ?, ?, ?, ?, 'redeemed', ?, ?, ?, ?, ?)`,
    ),
    order: db.prepare('INSERT INTO orders (id, account_id, at, status, decision, total_fen, discount_fen, pay_fen, body, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    link: db.prepare('INSERT INTO order_coupons (order_id, coupon_id, campaign_id, discount_fen) VALUES (?, ?, ?, ?)'),
    event: db.prepare("INSERT INTO order_events (order_id, at, action, from_status, to_status, actor) VALUES (?, ?, 'place', NULL, ?, 'seed')"),
    fulfil: db.prepare("INSERT INTO order_events (order_id, at, action, from_status, to_status, actor) VALUES (?, ?, 'fulfil', 'placed', 'fulfilled', 'seed')"),
    spend: db.prepare('UPDATE campaigns SET granted_count = granted_count + ?, granted_fen = granted_fen + ? WHERE id = ?'),
  };
  const fulfilled = plan.fulfilledPerMille ?? 100;
  const held = plan.heldPerMille ?? 50;
  // One out-of-scope order every `every` orders, spread through the table.
  const every = plan.outOfScope ? Math.max(1, Math.floor(total / plan.outOfScope)) : Infinity;
  const chunk = db.transaction((from: number, to: number, counters: { stolen: number; ordinary: number }) => {
    for (let i = from; i < to; i++) {
      const outside = counters.ordinary < plan.outOfScope && (i % every === every - 1 || counters.stolen >= plan.inScope);
      const campaignId = outside ? ordinary : stolen;
      const face = outside ? 2_000 : 10_000;
      if (outside) counters.ordinary++;
      else counters.stolen++;
      const at = plan.at + i;
      const account = outside ? `shopper-${i}` : `farm-${i}`;
      const mille = i % 1000;
      const status = outside ? (mille < 300 ? 'fulfilled' : 'placed') : mille < fulfilled ? 'fulfilled' : mille < fulfilled + held ? 'held' : 'placed';
      const claimId = fakeId('clm', i);
      const couponId = fakeId('cpn', i);
      const orderId = fakeId('ord', i);
      const target = outside ? null : `phone:138${String(i % 5000).padStart(8, '0')}`;
      const ip = outside ? `192.0.${(i >> 8) & 255}.${i & 255}` : `10.66.${(i >> 8) & 255}.${i & 255}`;
      const price = outside ? 15_900 : 10_000;
      ins.claim.run(claimId, at, campaignId, account, `139${String(i).padStart(8, '0')}`, `dev-${outside ? i : i % 300}`, ip, couponId, face);
      ins.coupon.run(couponId, campaignId, account, claimId, face, at, at + 30 * 86_400_000, at, orderId, at);
      const body = {
        id: orderId,
        accountId: account,
        at,
        items: [{ sku: outside ? 'rice-5kg' : 'topup-100', category: outside ? 'physical' : 'virtual_topup', unitPriceFen: price, quantity: 1, topupTarget: target }],
        coupons: [{ couponId, campaignId, discountFen: face }],
        totalFen: price,
        discountFen: face,
        payFen: price - face,
        decision: status === 'held' ? 'hold' : 'allow',
        reasons: [{ code: 'POLICY_PASS', message: 'No risk rule objected' }],
        policyVersion: 'seed@1',
        rules: [],
        signals: {},
        deviceId: null,
        ip,
      };
      ins.order.run(orderId, account, at, status, body.decision, price, face, price - face, JSON.stringify(body), at);
      ins.link.run(orderId, couponId, campaignId, face);
      ins.event.run(orderId, at, status === 'held' ? 'held' : 'placed');
      if (status === 'fulfilled') ins.fulfil.run(orderId, at);
    }
  });
  const counters = { stolen: 0, ordinary: 0 };
  const CHUNK = 50_000;
  for (let from = 0; from < total; from += CHUNK) {
    chunk.immediate(from, Math.min(total, from + CHUNK), counters);
    plan.onProgress?.(Math.min(total, from + CHUNK), total);
  }
  ins.spend.run(counters.stolen, counters.stolen * 10_000, stolen);
  ins.spend.run(counters.ordinary, counters.ordinary * 2_000, ordinary);
  return { stolen, ordinary, total };
}
