import type { CouponStatus } from '../../core/campaigns/campaign.js';
import type { IncidentId } from '../../core/incidents/incident.js';
import type { OrderStatus } from '../../core/orders/order.js';
import type { CouponId, OrderId } from '../../core/shared/ids.js';
import type { AggregateDimension, AggregateRow, LossRow, TraceRepo } from '../../ports/incidents.js';
import type { SqliteDb } from './database.js';

/** The first claim's value behind an order's coupons, when the order itself does not carry it. */
const claimField = (field: 'device_id' | 'ip') =>
  `(SELECT cl.${field} FROM order_coupons oc JOIN coupons cp ON cp.id = oc.coupon_id JOIN claims cl ON cl.id = cp.claim_id WHERE oc.order_id = o.id LIMIT 1)`;

const AGGREGATE_KEY: Record<Exclude<AggregateDimension, 'target'>, string> = {
  ring: "CASE WHEN a.class IS NULL THEN 'unclassified' WHEN a.ring IS NOT NULL THEN a.class || ':' || a.ring ELSE a.class END",
  device: `coalesce(json_extract(o.body, '$.deviceId'), ${claimField('device_id')}, 'unknown')`,
  // IPv4 networks by /24; IPv6 addresses as they are.
  network: `coalesce((SELECT CASE WHEN instr(ip, ':') > 0 THEN ip ELSE rtrim(ip, '0123456789') || '0/24' END
                      FROM (SELECT coalesce(json_extract(o.body, '$.ip'), ${claimField('ip')}) AS ip)), 'unknown')`,
};

/** Tracing, aggregates and the loss ledger: read-only queries over the ledger tables. */
export function sqliteTraceRepo(db: SqliteDb): TraceRepo {
  const s = {
    coupon: db.prepare('SELECT id FROM coupons WHERE id = ?').pluck(),
    orderCoupons: db.prepare('SELECT coupon_id FROM order_coupons WHERE order_id = ? ORDER BY coupon_id').pluck(),
    order: db.prepare('SELECT id FROM orders WHERE id = ?').pluck(),
    accountCoupons: db.prepare('SELECT id FROM coupons WHERE account_id = ? ORDER BY id LIMIT ?').pluck(),
    accountOrders: db.prepare('SELECT id FROM orders WHERE account_id = ? ORDER BY id LIMIT ?').pluck(),
    // claims_code indexes only claims granted with a code (migration 41).
    codeCoupons: db.prepare('SELECT coupon_id FROM claims WHERE code_id = ? AND coupon_id IS NOT NULL ORDER BY seq LIMIT ?').pluck(),
    targetOrders: db
      .prepare('SELECT t.order_id FROM order_targets t JOIN orders o ON o.id = t.order_id WHERE t.target = ? ORDER BY o.rowid LIMIT ?')
      .pluck(),
    ordersOfCoupon: db.prepare('SELECT order_id FROM order_coupons WHERE coupon_id = ? ORDER BY order_id').pluck(),
    events: db.prepare('SELECT at, action, from_status, to_status, actor FROM order_events WHERE order_id = ? ORDER BY seq'),
    head: db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'),
    links: db.prepare('SELECT seq, prev_hash AS prevHash, hash FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq'),
  };

  const lossSelect = `
    SELECT cp.campaign_id AS campaignId, cp.status AS couponStatus, o.status AS orderStatus, (cp.valid_to <= @at) AS pastValidity,
           count(*) AS count, sum(cp.face_value_fen) AS faceFen, coalesce(sum(oc.discount_fen), 0) AS discountFen
    FROM pop JOIN coupons cp ON cp.id = pop.id
      LEFT JOIN orders o ON o.id = cp.order_id
      LEFT JOIN order_coupons oc ON oc.order_id = cp.order_id AND oc.coupon_id = cp.id
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;
  const campaignLoss = db.prepare(`WITH pop AS (SELECT id FROM coupons WHERE campaign_id = @campaign) ${lossSelect}`);
  const kindsOf = db.prepare('SELECT DISTINCT kind FROM incident_scope WHERE incident_id = ?').pluck();
  const windowOf = db.prepare("SELECT json_extract(body, '$.window.from') AS f, json_extract(body, '$.window.to') AS t FROM incidents WHERE id = ?");

  /**
   * An incident's coupons: those of its campaigns and coupon types (granted inside its window, if it
   * has one), those claimed with its codes and batches, and every coupon on its member orders.
   * Account, order, target and rule selectors reach coupons only through member orders: an account
   * in scope may hold ordinary coupons that have nothing to do with the incident.
   */
  function incidentLoss(id: IncidentId, at: number): LossRow[] {
    const kinds = new Set(kindsOf.all(id) as string[]);
    const w = windowOf.get(id) as { f: number | null; t: number | null };
    const sel = (kind: string) => `SELECT value FROM incident_scope WHERE incident_id = @inc AND kind = '${kind}'`;
    const parts = ['SELECT oc.coupon_id AS id FROM incident_orders m JOIN order_coupons oc ON oc.order_id = m.order_id WHERE m.incident_id = @inc'];
    if (kinds.has('campaign') || kinds.has('coupon_type'))
      parts.push(
        `SELECT id FROM coupons WHERE campaign_id IN (${sel('campaign')} UNION SELECT id FROM campaigns WHERE coalesce(json_extract(body, '$.couponType'), id) IN (${sel('coupon_type')}))
           ${w.f !== null ? 'AND granted_at >= @from AND granted_at < @to' : ''}`,
      );
    if (kinds.has('code') || kinds.has('batch'))
      parts.push(`SELECT coupon_id FROM claims WHERE coupon_id IS NOT NULL AND (code_id IN (${sel('code')}) OR batch_id IN (${sel('batch')}))`);
    return db
      .prepare(`WITH pop AS (${parts.join(' UNION ')}) ${lossSelect}`)
      .all({ inc: id, at, ...(w.f !== null ? { from: w.f, to: w.t } : {}) }) as LossRow[];
  }

  function aggregate(id: IncidentId, dim: AggregateDimension, limit: number): AggregateRow[] {
    const from = `FROM incident_orders m JOIN orders o ON o.id = m.order_id
      LEFT JOIN incident_accounts a ON a.incident_id = m.incident_id AND a.account_id = m.account_id WHERE m.incident_id = @inc`;
    const sql =
      dim === 'target'
        ? `SELECT key, count(*) AS orders, count(DISTINCT account_id) AS accounts, sum(discount) AS discountFen,
             sum(status = 'frozen') AS frozen, sum(status = 'fulfilled') AS fulfilled
           FROM (SELECT DISTINCT json_extract(j.value, '$.topupTarget') AS key, o.id, o.account_id, o.discount_fen AS discount, o.status
                 ${from.replace('WHERE', ", json_each(o.body, '$.items') j WHERE json_extract(j.value, '$.topupTarget') IS NOT NULL AND")})
           GROUP BY key ORDER BY orders DESC, key LIMIT @n`
        : `SELECT ${AGGREGATE_KEY[dim]} AS key, count(*) AS orders, count(DISTINCT o.account_id) AS accounts, sum(o.discount_fen) AS discountFen,
             sum(o.status = 'frozen') AS frozen, sum(o.status = 'fulfilled') AS fulfilled
           ${from} GROUP BY key ORDER BY orders DESC, key LIMIT @n`;
    return db.prepare(sql).all({ inc: id, n: limit }) as AggregateRow[];
  }

  return {
    find: async (subject, limit) => {
      const cut = <T>(xs: T[]) => ({ items: xs.slice(0, limit), truncated: xs.length > limit });
      switch (subject.kind) {
        case 'coupon':
          return { coupons: s.coupon.get(subject.id) ? [subject.id as CouponId] : [], orders: [], truncated: false };
        case 'order': {
          const exists = s.order.get(subject.id) !== undefined;
          return { coupons: exists ? (s.orderCoupons.all(subject.id) as CouponId[]) : [], orders: exists ? [subject.id as OrderId] : [], truncated: false };
        }
        case 'account': {
          const c = cut(s.accountCoupons.all(subject.id, limit + 1) as CouponId[]);
          const o = cut(s.accountOrders.all(subject.id, limit + 1) as OrderId[]);
          return { coupons: c.items, orders: o.items, truncated: c.truncated || o.truncated };
        }
        case 'code': {
          const c = cut(s.codeCoupons.all(subject.id, limit + 1) as CouponId[]);
          return { coupons: c.items, orders: [], truncated: c.truncated };
        }
        case 'target': {
          const o = cut(s.targetOrders.all(subject.id, limit + 1) as OrderId[]);
          const coupons = o.items.flatMap((id) => s.orderCoupons.all(id) as CouponId[]);
          return { coupons, orders: o.items, truncated: o.truncated };
        }
      }
    },
    ordersOfCoupon: async (couponId) => s.ordersOfCoupon.all(couponId) as OrderId[],
    orderEvents: async (orderId) =>
      (s.events.all(orderId) as { at: number; action: string; from_status: string | null; to_status: string; actor: string }[]).map((e) => ({
        at: e.at,
        action: e.action,
        from: e.from_status,
        to: e.to_status,
        actor: e.actor,
      })),
    lossRows: async (of, at) => {
      const rows = 'incidentId' in of ? incidentLoss(of.incidentId, at) : (campaignLoss.all({ campaign: of.campaignId, at }) as LossRow[]);
      return rows.map((r) => ({
        ...r,
        couponStatus: r.couponStatus as CouponStatus,
        orderStatus: r.orderStatus as OrderStatus | null,
        pastValidity: Boolean(r.pastValidity),
      }));
    },
    aggregate: async (id, dim, limit) => aggregate(id, dim, limit),
    auditHead: async () => (s.head.get() as { seq: number; hash: string } | undefined) ?? null,
    auditLinks: async (from, to) => s.links.all(from, to) as { seq: number; prevHash: string; hash: string }[],
  };
}
