import type { Campaign, Coupon } from '../campaigns/campaign.js';
import { effectiveStatus } from '../campaigns/campaign.js';
import { computeDiscount, type OrderCategory } from '../campaigns/template.js';
import type { Decision, PolicyVerdict, RuleHit } from '../claims/policy.js';
import { reason, type Reason } from '../claims/reasons.js';
import type { IdempotencyRef } from '../claims/claim.js';
import type { AccountId, CampaignId, CouponId, OrderId } from '../shared/ids.js';
import type { Fen } from '../shared/money.js';

export const TOPUP_TARGET_KINDS = ['phone', 'qq', 'game_account'] as const;
export type TopupTargetKind = (typeof TOPUP_TARGET_KINDS)[number];

export interface OrderItem {
  readonly sku: string;
  readonly category: OrderCategory;
  readonly unitPriceFen: Fen;
  readonly quantity: number;
  /** For virtual top-ups and game currency: where the value goes ("phone:13800138000"). */
  readonly topupTarget: string | null;
}

export const ORDER_STATUSES = ['placed', 'held', 'frozen', 'fulfilled', 'cancelled', 'rejected'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface AppliedCoupon {
  readonly couponId: CouponId;
  readonly campaignId: CampaignId;
  readonly discountFen: Fen;
}

export interface Order {
  readonly id: OrderId;
  readonly accountId: AccountId;
  readonly at: number;
  readonly items: readonly OrderItem[];
  readonly coupons: readonly AppliedCoupon[];
  readonly totalFen: Fen;
  readonly discountFen: Fen;
  readonly payFen: Fen;
  readonly status: OrderStatus;
  readonly decision: Decision;
  readonly reasons: readonly Reason[];
  readonly policyVersion: string;
  readonly rules: readonly RuleHit[];
  readonly signals: PolicyVerdict['signals'];
  readonly deviceId: string | null;
  readonly ip: string | null;
  readonly updatedAt: number;
}

export const ORDER_ACTIONS = ['fulfil', 'cancel', 'release', 'freeze'] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];

/** The order state machine: placed → held/fulfilled/frozen → cancelled/released. */
const ORDER_TRANSITIONS: Record<OrderAction, { from: readonly OrderStatus[]; to: OrderStatus }> = {
  fulfil: { from: ['placed'], to: 'fulfilled' },
  cancel: { from: ['placed', 'held', 'frozen'], to: 'cancelled' },
  release: { from: ['held', 'frozen'], to: 'placed' },
  freeze: { from: ['placed', 'held'], to: 'frozen' },
};
export const orderTransition = (a: OrderAction) => ORDER_TRANSITIONS[a];

export const itemAmount = (i: OrderItem): Fen => i.unitPriceFen * i.quantity;

/**
 * Prices the coupons on an order: ownership, availability, one coupon per campaign, category
 * eligibility, thresholds and caps. The total discount never exceeds the order total.
 */
export function priceOrder(
  accountId: AccountId,
  items: readonly OrderItem[],
  coupons: readonly { coupon: Coupon | null; campaign: Campaign | null; id: CouponId }[],
  at: number,
): { ok: true; applied: AppliedCoupon[]; totalFen: Fen; discountFen: Fen } | { ok: false; reason: Reason } {
  const totalFen = items.reduce((s, i) => s + itemAmount(i), 0);
  const applied: AppliedCoupon[] = [];
  const seen = new Set<string>();
  let left = totalFen;
  for (const { coupon, campaign } of coupons) {
    if (!coupon || !campaign) return { ok: false, reason: reason('COUPON_NOT_FOUND') };
    if (coupon.accountId !== accountId) return { ok: false, reason: reason('COUPON_NOT_OWNED') };
    if (effectiveStatus(coupon, at) !== 'available') return { ok: false, reason: reason('COUPON_NOT_AVAILABLE') };
    if (at < coupon.validFrom) return { ok: false, reason: reason('COUPON_NOT_YET_VALID') };
    if (seen.has(campaign.id)) return { ok: false, reason: reason('COUPON_DUPLICATE_CAMPAIGN') };
    seen.add(campaign.id);
    const cats = campaign.template.eligibleCategories;
    const eligible = items.filter((i) => !cats || cats.includes(i.category)).reduce((s, i) => s + itemAmount(i), 0);
    const d = computeDiscount(campaign.template.discount, eligible);
    if (!d.ok) return { ok: false, reason: reason(d.reason) };
    const fen = Math.min(d.fen, left);
    left -= fen;
    applied.push({ couponId: coupon.id, campaignId: campaign.id, discountFen: fen });
  }
  return { ok: true, applied, totalFen, discountFen: totalFen - left };
}

/** What the order path hands the store: the order, and the coupons to redeem atomically with it. */
export interface OrderPlan {
  readonly order: Order;
  readonly idempotency: IdempotencyRef;
}

export type OrderCommitOutcome =
  | { readonly kind: 'committed'; readonly order: Order }
  /** A retry: the first answer, as it was given (the order may have moved on since). */
  | { readonly kind: 'replayed'; readonly first: OrderResult }
  | { readonly kind: 'idempotency_mismatch' };

/** What cancelling does to a coupon that was on the order. */
export const couponAfterCancel = (c: Campaign): 'available' | 'revoked' => (c.restoreOnCancel ? 'available' : 'revoked');

export interface OrderResult {
  readonly orderId: OrderId;
  readonly status: OrderStatus;
  readonly decision: Decision;
  readonly totalFen: Fen;
  readonly discountFen: Fen;
  readonly payFen: Fen;
  readonly coupons: readonly AppliedCoupon[];
  readonly reasons: readonly Reason[];
  readonly policyVersion: string;
}

export const orderResult = (o: Order): OrderResult => ({
  orderId: o.id,
  status: o.status,
  decision: o.decision,
  totalFen: o.totalFen,
  discountFen: o.discountFen,
  payFen: o.payFen,
  coupons: o.coupons,
  reasons: o.reasons,
  policyVersion: o.policyVersion,
});
