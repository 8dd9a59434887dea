import type { Fen } from '../shared/money.js';
import { assertNever } from '../shared/result.js';

/** What an order item is; virtual goods are where coupons get cashed out. */
export const ORDER_CATEGORIES = ['physical', 'virtual_topup', 'game_currency', 'gift_card', 'service', 'digital'] as const;
export type OrderCategory = (typeof ORDER_CATEGORIES)[number];

/**
 * A coupon's discount rule.
 * - `fixed`: take `amountFen` off (no threshold: the incident's ¥100 coupon).
 * - `threshold`: spend at least `thresholdFen`, save `amountFen` ("满X减Y").
 * - `percent`: take `percent`% off, at most `capFen`, optionally above a threshold.
 */
export type Discount =
  | { readonly kind: 'fixed'; readonly amountFen: Fen }
  | { readonly kind: 'threshold'; readonly thresholdFen: Fen; readonly amountFen: Fen }
  | { readonly kind: 'percent'; readonly percent: number; readonly capFen: Fen; readonly thresholdFen?: Fen };

export interface CouponTemplate {
  readonly discount: Discount;
  /** Categories the coupon applies to; absent means every category. */
  readonly eligibleCategories?: readonly OrderCategory[];
  /** Days a granted coupon stays valid; absent means until the campaign ends. */
  readonly validDays?: number;
}

/** The most one coupon can ever be worth: what a grant reserves from the money budget. */
export function faceValue(d: Discount): Fen {
  switch (d.kind) {
    case 'fixed':
    case 'threshold':
      return d.amountFen;
    case 'percent':
      return d.capFen;
    default:
      return assertNever(d);
  }
}

export type DiscountRefusal = 'THRESHOLD_NOT_MET' | 'NO_ELIGIBLE_ITEMS';

/** The discount on an eligible subtotal, never more than the subtotal. Integer math only. */
export function computeDiscount(d: Discount, eligibleFen: Fen): { ok: true; fen: Fen } | { ok: false; reason: DiscountRefusal } {
  if (eligibleFen <= 0) return { ok: false, reason: 'NO_ELIGIBLE_ITEMS' };
  switch (d.kind) {
    case 'fixed':
      return { ok: true, fen: Math.min(d.amountFen, eligibleFen) };
    case 'threshold':
      return eligibleFen >= d.thresholdFen
        ? { ok: true, fen: Math.min(d.amountFen, eligibleFen) }
        : { ok: false, reason: 'THRESHOLD_NOT_MET' };
    case 'percent': {
      if (d.thresholdFen !== undefined && eligibleFen < d.thresholdFen) return { ok: false, reason: 'THRESHOLD_NOT_MET' };
      const off = Math.floor((eligibleFen * d.percent) / 100);
      return { ok: true, fen: Math.min(off, d.capFen) };
    }
    default:
      return assertNever(d);
  }
}

/** Checks a template's internal consistency; returns a message per problem. */
export function templateProblems(t: CouponTemplate): string[] {
  const p: string[] = [];
  const d = t.discount;
  if (d.kind === 'threshold' && d.thresholdFen < d.amountFen)
    p.push('discount.thresholdFen must be at least discount.amountFen');
  if (d.kind === 'percent' && (d.percent < 1 || d.percent > 99)) p.push('discount.percent must be 1..99');
  if (faceValue(d) <= 0) p.push('discount amount must be positive');
  if (t.eligibleCategories && t.eligibleCategories.length === 0) p.push('eligibleCategories must not be empty when given');
  return p;
}
