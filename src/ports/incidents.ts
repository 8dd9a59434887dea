import type { AuditEntry, AuditInput } from '../core/audit/audit.js';
import type { AccountClass, Disposition, Incident, IncidentAction, IncidentId, IncidentStatus, Leniency, Member, MemberFilter, ScopeKind, ScopeSelector } from '../core/incidents/incident.js';
import type { JobAdvance, JobTicket } from '../core/jobs/job.js';
import type { OrderStatus } from '../core/orders/order.js';
import type { CouponStatus } from '../core/campaigns/campaign.js';
import type { CouponId, OrderId } from '../core/shared/ids.js';

export interface ClassifiedAccount {
  readonly accountId: string;
  readonly class: AccountClass;
  /** A ring's name or id, when known. */
  readonly ring: string | null;
  /** `operator` (a list) or `rings` (ring detection). An operator's word is never overwritten by ring detection. */
  readonly source: 'operator' | 'rings';
}

export type MemberActionOutcome =
  | { readonly kind: 'changed'; readonly member: Member }
  | { readonly kind: 'unchanged'; readonly member: Member | null; readonly why: string }
  | { readonly kind: 'order_not_found' };

/**
 * Incidents, their scope and classification lists, and their member orders. The three batch
 * methods are job batches (see `JobRepo`): each applies up to `limit` units after the ticket's
 * cursor and advances the job's checkpoint in one atomic unit.
 */
export interface IncidentRepo {
  create(i: Incident, scope: readonly ScopeSelector[], audit: AuditInput): Promise<void>;
  get(id: IncidentId): Promise<Incident | null>;
  list(page: { limit: number; after?: string }): Promise<{ items: readonly Incident[]; next: string | null }>;
  setStatus(id: IncidentId, from: IncidentStatus, to: IncidentStatus, at: number, audit: AuditInput): Promise<{ changed: boolean; incident: Incident | null }>;
  setLeniency(id: IncidentId, l: Leniency, at: number, audit: AuditInput): Promise<Incident | null>;
  /** Adds selectors (existing ones are kept once); returns how many were new. */
  addScope(id: IncidentId, selectors: readonly ScopeSelector[], at: number, audit: AuditInput): Promise<number>;
  scopeCounts(id: IncidentId): Promise<Partial<Record<ScopeKind, number>>>;
  scopePage(id: IncidentId, page: { limit: number; after?: string }): Promise<{ items: readonly ScopeSelector[]; next: string | null }>;
  /** Sets accounts' classes (upsert); ring detection never overrides an operator's entry. Returns how many changed. */
  classify(id: IncidentId, accounts: readonly ClassifiedAccount[], at: number, audit: AuditInput | null): Promise<number>;
  accountsPage(id: IncidentId, page: { limit: number; after?: string; class?: AccountClass }): Promise<{ items: readonly ClassifiedAccount[]; next: string | null }>;
  /** Account ids with orders in scope, for classification and aggregates. */
  memberAccounts(id: IncidentId, page: { limit: number; after?: string }): Promise<{ items: readonly string[]; next: string | null }>;
  members(id: IncidentId, page: { limit: number; afterSeq?: number; disposition?: Disposition }): Promise<{ items: readonly Member[]; next: number | null }>;
  member(id: IncidentId, orderId: OrderId): Promise<Member | null>;
  dispositionCounts(id: IncidentId): Promise<Partial<Record<Disposition, number>>>;
  /** Incidents holding an order, with its disposition in each. */
  membershipsOf(orderId: OrderId): Promise<readonly { incidentId: IncidentId; disposition: Disposition }[]>;
  /** Every audit entry about the incident (target = its id), in order: its timeline. */
  timeline(id: IncidentId): Promise<readonly AuditEntry[]>;

  /** Scope resolution: scans orders in rowid order, `limit` per batch, and adds the ones in scope. Phase `scope`, then `next` with a null cursor. */
  resolveBatch(t: JobTicket, id: IncidentId, limit: number, next: { phase: string; finished: boolean }, finishAudit: AuditInput | null): Promise<JobAdvance>;
  /** One batch of a bulk action over members after the cursor (by seq). */
  actBatch(t: JobTicket, id: IncidentId, action: IncidentAction, filter: MemberFilter, limit: number, finishAudit: AuditInput | null): Promise<JobAdvance>;
  /** One order: freeze (adding it to the scope if needed), release or cancel. */
  actOnMember(id: IncidentId, orderId: OrderId, action: IncidentAction, at: number, actor: string, audit: AuditInput): Promise<MemberActionOutcome>;
}

/** One row of the loss ledger: coupons grouped by what became of them. */
export interface LossRow {
  readonly campaignId: string;
  readonly couponStatus: CouponStatus;
  /** The status of the order the coupon is on, null when it is on none. */
  readonly orderStatus: OrderStatus | null;
  /** Past its validity at the report time. */
  readonly pastValidity: boolean;
  readonly count: number;
  readonly faceFen: number;
  /** Discount the coupons gave on their orders. */
  readonly discountFen: number;
}

export type TraceSubject =
  | { readonly kind: 'coupon'; readonly id: string }
  | { readonly kind: 'order'; readonly id: string }
  | { readonly kind: 'account'; readonly id: string }
  | { readonly kind: 'code'; readonly id: string }
  | { readonly kind: 'target'; readonly id: string };

export interface OrderEvent {
  readonly at: number;
  readonly action: string;
  readonly from: string | null;
  readonly to: string;
  readonly actor: string;
}

export const AGGREGATE_DIMENSIONS = ['ring', 'target', 'device', 'network'] as const;
export type AggregateDimension = (typeof AGGREGATE_DIMENSIONS)[number];

export interface AggregateRow {
  readonly key: string;
  readonly orders: number;
  readonly accounts: number;
  readonly discountFen: number;
  readonly frozen: number;
  readonly fulfilled: number;
}

/** Read-only queries behind tracing, aggregates and loss accounting. */
export interface TraceRepo {
  /** The coupons and the orders a subject leads to (at most `limit` of each). */
  find(subject: TraceSubject, limit: number): Promise<{ coupons: readonly CouponId[]; orders: readonly OrderId[]; truncated: boolean }>;
  ordersOfCoupon(couponId: CouponId): Promise<readonly OrderId[]>;
  orderEvents(orderId: OrderId): Promise<readonly OrderEvent[]>;
  /** Loss rows of an incident's coupons, or of one campaign's. */
  lossRows(of: { incidentId: IncidentId } | { campaignId: string }, at: number): Promise<readonly LossRow[]>;
  aggregate(id: IncidentId, dim: AggregateDimension, limit: number): Promise<readonly AggregateRow[]>;
  /** The audit log's last link, and its links with seq in [from, to] (for evidence proofs). */
  auditHead(): Promise<{ seq: number; hash: string } | null>;
  auditLinks(from: number, to: number): Promise<readonly { seq: number; prevHash: string; hash: string }[]>;
}
