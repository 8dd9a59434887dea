import { canonicalJson } from '../audit/audit.js';
import type { Campaign } from '../campaigns/campaign.js';
import type { OrderCategory } from '../campaigns/template.js';
import type { Actor, CoreDeps } from '../deps.js';
import { normalizeCnMobile } from '../identity/phone.js';
import { appError, type AppError } from '../shared/errors.js';
import type { AccountId, CouponId, OrderId } from '../shared/ids.js';
import { MAX_FEN } from '../shared/money.js';
import { err, ok, type Result } from '../shared/result.js';
import { reason } from '../claims/reasons.js';
import { orderResult, priceOrder, type Order, type OrderAction, type OrderItem, type OrderResult, type OrderStatus, type TopupTargetKind } from './order.js';

/** An order as the shop's backend sends it (public contract). */
export interface PlaceOrderRequest {
  readonly accountId: string;
  readonly items: readonly {
    readonly sku: string;
    readonly category: OrderCategory;
    readonly unitPriceFen: number;
    readonly quantity: number;
    readonly topupTarget?: { readonly kind: TopupTargetKind; readonly value: string };
  }[];
  readonly couponIds: readonly string[];
  readonly deviceId?: string;
  readonly ip?: string;
}

function normalizeTarget(t: { kind: TopupTargetKind; value: string }): string | null {
  if (t.kind === 'phone') {
    const p = normalizeCnMobile(t.value);
    return p ? `phone:${p}` : null;
  }
  return `${t.kind}:${t.value.trim()}`;
}

export async function placeOrder(
  d: CoreDeps,
  req: PlaceOrderRequest,
  opts: { scope: string; idempotencyKey: string },
): Promise<Result<OrderResult, AppError>> {
  const at = d.clock.now();
  const items: OrderItem[] = [];
  for (const i of req.items) {
    const target = i.topupTarget ? normalizeTarget(i.topupTarget) : null;
    if (i.topupTarget && !target) return err(appError('VALIDATION_FAILED', 'topupTarget.value is not a valid target'));
    items.push({ sku: i.sku, category: i.category, unitPriceFen: i.unitPriceFen, quantity: i.quantity, topupTarget: target });
  }
  const total = items.reduce((s, i) => s + i.unitPriceFen * i.quantity, 0);
  if (!Number.isSafeInteger(total) || total > MAX_FEN) return err(appError('VALIDATION_FAILED', 'order total is too large'));
  if (new Set(req.couponIds).size !== req.couponIds.length) return err(appError('VALIDATION_FAILED', 'couponIds must not repeat'));

  const accountId = req.accountId as AccountId;
  const couponIds = req.couponIds as CouponId[];
  const coupons = await d.store.coupons.getMany(couponIds);
  const campaigns = new Map<string, Campaign | null>();
  for (const c of coupons) if (c && !campaigns.has(c.campaignId)) campaigns.set(c.campaignId, await d.store.campaigns.get(c.campaignId));
  const priced = priceOrder(
    accountId,
    items,
    couponIds.map((id, i) => ({ id, coupon: coupons[i] ?? null, campaign: coupons[i] ? (campaigns.get(coupons[i]!.campaignId) ?? null) : null })),
    at,
  );

  const base = {
    id: d.ids.next<OrderId>('order'),
    accountId,
    at,
    items,
    deviceId: req.deviceId ?? null,
    ip: req.ip ?? null,
    updatedAt: at,
  };
  let order: Order;
  if (!priced.ok) {
    order = { ...base, coupons: [], totalFen: total, discountFen: 0, payFen: total, status: 'rejected', decision: 'deny', reasons: [priced.reason], policyVersion: 'platform@1', rules: [], signals: {} };
  } else {
    const verdict = await d.policy.evaluateOrder({
      at,
      accountId,
      items: items.map((i) => ({ category: i.category, amountFen: i.unitPriceFen * i.quantity, topupTarget: i.topupTarget })),
      coupons: priced.applied.map((a, idx) => ({ id: a.couponId, campaign: campaigns.get(a.campaignId)!, grantedAt: coupons[idx]!.grantedAt, discountFen: a.discountFen })),
      totalFen: priced.totalFen,
      discountFen: priced.discountFen,
      deviceId: base.deviceId,
      ip: base.ip,
    });
    // Orders have no step-up: a challenge-level risk holds the order for review instead.
    const status: OrderStatus = verdict.action === 'allow' ? 'placed' : verdict.action === 'deny' ? 'rejected' : 'held';
    const applies = status !== 'rejected';
    order = {
      ...base,
      coupons: applies ? priced.applied : [],
      totalFen: priced.totalFen,
      discountFen: applies ? priced.discountFen : 0,
      payFen: priced.totalFen - (applies ? priced.discountFen : 0),
      status,
      decision: verdict.action === 'challenge' ? 'hold' : verdict.action,
      reasons: verdict.reasons.length ? verdict.reasons : [reason('POLICY_PASS')],
      policyVersion: verdict.policyVersion,
      rules: verdict.rules,
      signals: verdict.signals,
    };
  }
  const out = await d.store.orders.commit({
    order,
    idempotency: { scope: `${opts.scope}:order`, key: opts.idempotencyKey, requestHash: d.hasher.hash('request', canonicalJson(req)) },
  });
  if (out.kind === 'idempotency_mismatch') return err(appError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request'));
  return ok(out.kind === 'replayed' ? out.first : orderResult(out.order));
}

/** fulfil, cancel, release or freeze one order; operator actions are audited. */
export async function actOnOrder(d: CoreDeps, id: OrderId, action: OrderAction, actor: Actor, audited: boolean, note?: string): Promise<Result<Order, AppError>> {
  const r = await d.store.orders.transition(id, action, d.clock.now(), actor, audited ? { actor, action: `order.${action}`, target: id, details: note ? { note } : {} } : null);
  if (!r.order) return err(appError('NOT_FOUND', `order ${id} not found`));
  if (!r.changed) return err(appError('INVALID_STATE', `cannot ${action} an order that is ${r.order.status}`));
  return ok(r.order);
}
