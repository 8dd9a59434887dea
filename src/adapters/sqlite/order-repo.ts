import type { AuditEntry, AuditInput } from '../../core/audit/audit.js';
import { effectiveStatus } from '../../core/campaigns/campaign.js';
import { reason } from '../../core/claims/reasons.js';
import { couponAfterCancel, orderResult, orderTransition, type OrderResult, type Order, type OrderAction, type OrderCommitOutcome, type OrderPlan, type OrderStatus } from '../../core/orders/order.js';
import type { OrderId } from '../../core/shared/ids.js';
import type { OrderRepo } from '../../ports/store.js';
import { campaignFromRow, type CampaignRow } from './campaign-repo.js';
import { couponFromRow, type CouponRow } from './coupon-repo.js';
import type { SqliteDb } from './database.js';
import type { Enqueue } from './group-commit.js';

export interface OrderRow {
  id: string;
  status: string;
  body: string;
  updated_at: number;
}

export const orderFromRow = (r: OrderRow): Order => ({
  ...(JSON.parse(r.body) as Omit<Order, 'status' | 'updatedAt'>),
  status: r.status as OrderStatus,
  updatedAt: r.updated_at,
});

export type OrderTransitionTx = (id: OrderId, action: OrderAction, at: number, actor: string, audit: AuditInput | null) => { changed: boolean; order: Order | null };

export function sqliteOrderRepo(db: SqliteDb, appendAudit: (e: AuditInput, at: number) => AuditEntry, enqueue: Enqueue): OrderRepo & { transitionTx: OrderTransitionTx } {
  const s = {
    idem: db.prepare('SELECT request_hash, ref_id, response FROM idempotency WHERE scope = ? AND key = ?'),
    idemInsert: db.prepare('INSERT INTO idempotency (scope, key, request_hash, ref_id, created_at, response) VALUES (?, ?, ?, ?, ?, ?)'),
    get: db.prepare('SELECT id, status, body, updated_at FROM orders WHERE id = ?'),
    insert: db.prepare(
      'INSERT INTO orders (id, account_id, at, status, decision, total_fen, discount_fen, pay_fen, body, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    target: db.prepare('INSERT OR IGNORE INTO order_targets (target, order_id) VALUES (?, ?)'),
    link: db.prepare('INSERT INTO order_coupons (order_id, coupon_id, campaign_id, discount_fen) VALUES (?, ?, ?, ?)'),
    coupon: db.prepare('SELECT * FROM coupons WHERE id = ?'),
    campaign: db.prepare('SELECT * FROM campaigns WHERE id = ?'),
    redeem: db.prepare("UPDATE coupons SET status = 'redeemed', order_id = ?, updated_at = ? WHERE id = ? AND status = 'available'"),
    restore: db.prepare('UPDATE coupons SET status = ?, order_id = CASE WHEN ? = \'available\' THEN NULL ELSE order_id END, updated_at = ? WHERE id = ? AND order_id = ?'),
    setStatus: db.prepare('UPDATE orders SET status = ?, updated_at = ? WHERE id = ?'),
    event: db.prepare('INSERT INTO order_events (order_id, at, action, from_status, to_status, actor) VALUES (?, ?, ?, ?, ?, ?)'),
    couponsOf: db.prepare('SELECT coupon_id, campaign_id FROM order_coupons WHERE order_id = ?'),
    tailPlaced: db.prepare(
      `SELECT e.seq, o.id, o.status, o.body, o.updated_at FROM order_events e JOIN orders o ON o.id = e.order_id
       WHERE e.seq > ? AND e.action = 'place' AND e.to_status IN ('placed', 'held') ORDER BY e.seq LIMIT ?`,
    ),
  };

  const insertOrder = (o: Order) => {
    const { status, updatedAt, ...body } = o;
    s.insert.run(o.id, o.accountId, o.at, status, o.decision, o.totalFen, o.discountFen, o.payFen, JSON.stringify(body), updatedAt);
    for (const i of o.items) if (i.topupTarget) s.target.run(i.topupTarget, o.id);
  };

  const commit = db.transaction((plan: OrderPlan): OrderCommitOutcome => {
    const idem = plan.idempotency;
    const seen = s.idem.get(idem.scope, idem.key) as { request_hash: string; ref_id: string; response: string | null } | undefined;
    if (seen) {
      if (seen.request_hash !== idem.requestHash) return { kind: 'idempotency_mismatch' };
      const first = seen.response ? (JSON.parse(seen.response) as OrderResult) : orderResult(orderFromRow(s.get.get(seen.ref_id) as OrderRow));
      return { kind: 'replayed', first };
    }
    let order = plan.order;
    if (order.status !== 'rejected') {
      // Re-check every coupon inside the transaction: another order may have taken it meanwhile.
      const stale = order.coupons.some((a) => {
        const r = s.coupon.get(a.couponId) as CouponRow | undefined;
        return !r || r.account_id !== order.accountId || effectiveStatus(couponFromRow(r), order.at) !== 'available';
      });
      if (stale) {
        order = { ...order, status: 'rejected', decision: 'deny', reasons: [reason('COUPON_NOT_AVAILABLE')], coupons: [], discountFen: 0, payFen: order.totalFen };
      } else {
        for (const a of order.coupons) s.redeem.run(order.id, order.at, a.couponId);
      }
    }
    insertOrder(order);
    if (order.status !== 'rejected') for (const a of order.coupons) s.link.run(order.id, a.couponId, a.campaignId, a.discountFen);
    s.event.run(order.id, order.at, 'place', null, order.status, idem.scope);
    s.idemInsert.run(idem.scope, idem.key, idem.requestHash, order.id, order.at, JSON.stringify(orderResult(order)));
    return { kind: 'committed', order };
  });

  const transition = db.transaction((id: OrderId, action: OrderAction, at: number, actor: string, audit: AuditInput | null) => {
    const row = s.get.get(id) as OrderRow | undefined;
    if (!row) return { changed: false, order: null };
    const t = orderTransition(action);
    const from = row.status as OrderStatus;
    if (!t.from.includes(from)) return { changed: false, order: orderFromRow(row) };
    s.setStatus.run(t.to, at, id);
    if (action === 'cancel') {
      for (const l of s.couponsOf.all(id) as { coupon_id: string; campaign_id: string }[]) {
        const c = campaignFromRow(s.campaign.get(l.campaign_id) as CampaignRow);
        const to = couponAfterCancel(c);
        s.restore.run(to, to, at, l.coupon_id, id);
      }
    }
    s.event.run(id, at, action, from, t.to, actor);
    if (audit) appendAudit({ ...audit, details: { ...audit.details, from, to: t.to } }, at);
    return { changed: true, order: orderFromRow(s.get.get(id) as OrderRow) };
  });

  return {
    transitionTx: transition,
    tailPlaced: async (afterSeq, limit) =>
      (s.tailPlaced.all(afterSeq, limit) as (OrderRow & { seq: number })[]).map((r) => ({ seq: r.seq, order: orderFromRow(r) })),
    commit: (plan) => enqueue(() => commit(plan)),
    get: async (id) => {
      const r = s.get.get(id) as OrderRow | undefined;
      return r ? orderFromRow(r) : null;
    },
    transition: async (id, action, at, actor, audit) => transition.immediate(id, action, at, actor, audit),
  };
}
