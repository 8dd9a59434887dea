import type { Fen } from '../shared/money.js';
import type { LossRow } from '../../ports/incidents.js';

/** A number of coupons, their face value, and (for redeemed ones) the discount they gave. */
export interface LossCell {
  readonly count: number;
  readonly faceFen: Fen;
  readonly discountFen: Fen;
}

export const LOSS_BUCKETS = ['fulfilled', 'frozen', 'cancelled', 'pending', 'unusedOpen', 'unusedExpired', 'unusedRevoked'] as const;
/**
 * What became of a granted coupon, by the state of the coupon and of the order it is on:
 * - fulfilled: its order was delivered: the value is gone (the loss);
 * - frozen: its order is frozen: recoverable;
 * - cancelled: its order was cancelled and the coupon voided: recovered;
 * - pending: its order is placed or held, not delivered yet (at risk; a freeze turns it into frozen);
 * - unusedOpen / unusedExpired / unusedRevoked: never spent (still usable, expired, or revoked unused).
 */
export type LossBucket = (typeof LOSS_BUCKETS)[number];

export function bucketOf(r: Pick<LossRow, 'couponStatus' | 'orderStatus' | 'pastValidity'>): LossBucket {
  if (r.orderStatus !== null) {
    switch (r.orderStatus) {
      case 'fulfilled':
        return 'fulfilled';
      case 'frozen':
        return 'frozen';
      case 'cancelled':
        return 'cancelled';
      default:
        return 'pending';
    }
  }
  if (r.couponStatus === 'revoked') return 'unusedRevoked';
  if (r.couponStatus === 'expired' || r.pastValidity) return 'unusedExpired';
  return 'unusedOpen';
}

const ZERO: LossCell = { count: 0, faceFen: 0, discountFen: 0 };
const plus = (a: LossCell, b: LossCell): LossCell => ({ count: a.count + b.count, faceFen: a.faceFen + b.faceFen, discountFen: a.discountFen + b.discountFen });
const sum = (cells: readonly LossCell[]) => cells.reduce(plus, ZERO);

export interface LossTotals {
  readonly granted: LossCell;
  readonly redeemed: LossCell;
  readonly unused: LossCell;
  readonly buckets: Readonly<Record<LossBucket, LossCell>>;
  /** Money actually given away on delivered orders: the real loss so far. */
  readonly realLossFen: Fen;
  /** Discount on frozen orders: recoverable if they are cancelled. */
  readonly recoverableFen: Fen;
  /** Discount on cancelled orders: recovered. */
  readonly recoveredFen: Fen;
  /** Discount on orders not yet delivered nor frozen: lost too unless they are frozen in time. */
  readonly atRiskFen: Fen;
  /** The two identities the report must satisfy, checked on the numbers it shows. */
  readonly checks: { readonly grantedIsRedeemedPlusUnused: boolean; readonly redeemedIsFulfilledFrozenCancelledPending: boolean };
}

export interface LossReport extends LossTotals {
  readonly at: number;
  readonly byCampaign: readonly ({ readonly campaignId: string } & LossTotals)[];
}

function totals(rows: readonly LossRow[]): LossTotals {
  const buckets = Object.fromEntries(LOSS_BUCKETS.map((b) => [b, ZERO])) as Record<LossBucket, LossCell>;
  for (const r of rows) {
    const b = bucketOf(r);
    buckets[b] = plus(buckets[b], { count: r.count, faceFen: r.faceFen, discountFen: r.discountFen });
  }
  // Redeemed and unused are counted from the rows themselves (on an order or not), then checked
  // against the buckets: a coupon counted twice or lost between buckets shows as a failed check.
  const cell = (r: LossRow): LossCell => ({ count: r.count, faceFen: r.faceFen, discountFen: r.discountFen });
  const redeemed = sum(rows.filter((r) => r.orderStatus !== null).map(cell));
  const unused = sum(rows.filter((r) => r.orderStatus === null).map(cell));
  const granted = sum(rows.map(cell));
  const eq = (a: LossCell, b: LossCell) => a.count === b.count && a.faceFen === b.faceFen && a.discountFen === b.discountFen;
  return {
    granted,
    redeemed,
    unused,
    buckets,
    realLossFen: buckets.fulfilled.discountFen,
    recoverableFen: buckets.frozen.discountFen,
    recoveredFen: buckets.cancelled.discountFen,
    atRiskFen: buckets.pending.discountFen,
    checks: {
      grantedIsRedeemedPlusUnused: eq(granted, plus(redeemed, unused)) && eq(unused, sum([buckets.unusedOpen, buckets.unusedExpired, buckets.unusedRevoked])),
      redeemedIsFulfilledFrozenCancelledPending: eq(redeemed, sum([buckets.fulfilled, buckets.frozen, buckets.cancelled, buckets.pending])),
    },
  };
}

/** The loss report over rows of the loss ledger (one incident's coupons, or one campaign's). */
export function lossReport(rows: readonly LossRow[], at: number): LossReport {
  const campaigns = [...new Set(rows.map((r) => r.campaignId))].sort();
  return { ...totals(rows), at, byCampaign: campaigns.map((c) => ({ campaignId: c, ...totals(rows.filter((r) => r.campaignId === c)) })) };
}
