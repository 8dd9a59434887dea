import type { Coupon } from '../campaigns/campaign.js';
import type { ClaimRecord } from '../claims/claim.js';
import type { CoreDeps } from '../deps.js';
import type { Order } from '../orders/order.js';
import { appError, type AppError } from '../shared/errors.js';
import { ACCOUNT_ID_PATTERN, idPattern, type CodeId, type CouponId, type OrderId } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';
import type { AggregateDimension, AggregateRow, OrderEvent, TraceSubject } from '../../ports/incidents.js';
import { normalizeSelector, type Disposition, type IncidentId } from './incident.js';

export interface TraceOrder {
  readonly order: Order;
  /** placed, held, frozen, fulfilled, released, cancelled: who did what when. */
  readonly events: readonly OrderEvent[];
  readonly incidents: readonly { readonly incidentId: IncidentId; readonly disposition: Disposition }[];
}

export interface TraceCode {
  readonly id: string;
  readonly batchId: string;
  readonly event: string | null;
  readonly useLimit: number;
  readonly uses: number;
  readonly expiresAt: number;
}

/** One coupon's whole story: code → claim (who, from where, decided how) → coupon → orders → fulfilment and top-up targets. */
export interface TraceChain {
  readonly code: TraceCode | null;
  readonly claim: ClaimRecord | null;
  readonly coupon: Coupon;
  readonly orders: readonly TraceOrder[];
}

export interface Trace {
  readonly subject: TraceSubject;
  readonly chains: readonly TraceChain[];
  /** The subject's orders that redeemed no coupon (an account's, a top-up target's). */
  readonly otherOrders: readonly TraceOrder[];
  /** More than the limit matched: narrow the subject. */
  readonly truncated: boolean;
}

export const TRACE_KINDS = ['coupon', 'order', 'account', 'code', 'target'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

/** Checks a subject id's form; a top-up target is normalised like orders store it. */
export function traceSubject(kind: TraceKind, raw: string): Result<TraceSubject, AppError> {
  const bad = () => err(appError('VALIDATION_FAILED', `not a valid ${kind}: ${JSON.stringify(raw.slice(0, 80))}`));
  const idKind = { coupon: 'coupon', order: 'order', code: 'code' } as const;
  switch (kind) {
    case 'coupon':
    case 'order':
    case 'code':
      return new RegExp(idPattern(idKind[kind])).test(raw) ? ok({ kind, id: raw }) : bad();
    case 'account':
      return new RegExp(ACCOUNT_ID_PATTERN).test(raw) ? ok({ kind, id: raw }) : bad();
    case 'target': {
      const t = normalizeSelector('topup_target', raw);
      return t ? ok({ kind, id: t }) : bad();
    }
  }
}

async function traceOrder(d: CoreDeps, o: Order): Promise<TraceOrder> {
  const [events, incidents] = await Promise.all([d.store.traces.orderEvents(o.id), d.store.incidents.membershipsOf(o.id)]);
  return { order: o, events, incidents };
}

/** The chain of one coupon. */
export async function traceCoupon(d: CoreDeps, coupon: Coupon): Promise<TraceChain> {
  const claim = await d.store.claims.get(coupon.claimId);
  let code: TraceCode | null = null;
  if (claim?.codeId) {
    const c = await d.store.codes.getCode(claim.codeId);
    const b = c ? await d.store.codes.getBatch(c.batchId) : null;
    if (c) code = { id: c.id, batchId: c.batchId, event: b?.event ?? null, useLimit: c.useLimit, uses: c.uses, expiresAt: c.expiresAt };
  }
  const orderIds = await d.store.traces.ordersOfCoupon(coupon.id);
  const orders: TraceOrder[] = [];
  for (const id of orderIds) {
    const o = await d.store.orders.get(id);
    if (o) orders.push(await traceOrder(d, o));
  }
  return { code, claim, coupon, orders };
}

/** Traces a coupon, order, account, code or top-up target back to its sources (at most `limit` coupons and orders). */
export async function trace(d: CoreDeps, subject: TraceSubject, limit = 100): Promise<Result<Trace, AppError>> {
  const found = await d.store.traces.find(subject, limit);
  if ((subject.kind === 'coupon' || subject.kind === 'order') && !found.coupons.length && !found.orders.length)
    return err(appError('NOT_FOUND', `${subject.kind} ${subject.id} not found`));
  if (subject.kind === 'code' && !(await d.store.codes.getCode(subject.id as CodeId))) return err(appError('NOT_FOUND', `code ${subject.id} not found`));
  const chains: TraceChain[] = [];
  const reached = new Set<string>();
  for (const id of found.coupons) {
    const c = await d.store.coupons.get(id as CouponId);
    if (!c) continue;
    const chain = await traceCoupon(d, c);
    for (const o of chain.orders) reached.add(o.order.id);
    chains.push(chain);
  }
  const otherOrders: TraceOrder[] = [];
  for (const id of found.orders) {
    if (reached.has(id)) continue;
    const o = await d.store.orders.get(id as OrderId);
    if (o) otherOrders.push(await traceOrder(d, o));
  }
  if ((subject.kind === 'account' || subject.kind === 'target') && !chains.length && !otherOrders.length)
    return err(appError('NOT_FOUND', `no coupons or orders for ${subject.kind} ${subject.id}`));
  return ok({ subject, chains, otherOrders, truncated: found.truncated });
}

export type IncidentAggregates = Record<AggregateDimension, readonly AggregateRow[]>;

/** Per ring (or class), per top-up target, per device and per network: where an incident's orders concentrate. */
export async function incidentAggregates(d: CoreDeps, id: IncidentId, limit = 50): Promise<Result<IncidentAggregates, AppError>> {
  if (!(await d.store.incidents.get(id))) return err(appError('NOT_FOUND', `incident ${id} not found`));
  const [ring, target, device, network] = await Promise.all(
    (['ring', 'target', 'device', 'network'] as const).map((dim) => d.store.traces.aggregate(id, dim, limit)),
  );
  return ok({ ring: ring!, target: target!, device: device!, network: network! });
}
