import type { AuditEntry, AuditInput } from '../core/audit/audit.js';
import type { Campaign, CampaignState, CampaignUsage, Coupon, CouponStatus } from '../core/campaigns/campaign.js';
import type { ClaimCommitOutcome, ClaimPlan, ClaimRecord } from '../core/claims/claim.js';
import type { ChallengeRecord } from '../core/claims/challenge.js';
import type { CodeBatch, IssuedCode } from '../core/codes/batch.js';
import type { Order, OrderAction, OrderCommitOutcome, OrderPlan } from '../core/orders/order.js';
import type { AccountEvent, AccountRecord } from '../core/accounts/account.js';
import type { PolicyDoc, PolicyStatus, PolicyVersion } from '../core/risk/policy-doc.js';
import type { ListEntry } from '../core/risk/lists.js';
import type { Job, JobAdvance, JobTicket } from '../core/jobs/job.js';
import type { RevokePlan } from '../core/coupons/revoke.js';
import type { RingRepo } from './rings.js';
import type { Alert, AlertStatus } from '../core/monitor/alerts.js';
import type { IncidentRepo, TraceRepo } from './incidents.js';
import type { JobRepo } from './jobs.js';
import type { MakegoodRepo } from './makegoods.js';
import type { AccountId, BatchId, CampaignId, ClaimId, CodeId, CouponId, OrderId } from '../core/shared/ids.js';

/**
 * The store port: everything the core persists. Each method that changes money or limits is one
 * atomic unit in the adapter (a SQLite transaction; a Redis script plus a durable PostgreSQL write
 * later). Methods that take an `audit` append it in the same atomic unit as the change.
 *
 * Methods return promises so that networked engines fit; the embedded engine resolves at once.
 */
export interface Store {
  readonly campaigns: CampaignRepo;
  readonly codes: CodeRepo;
  readonly claims: ClaimRepo;
  readonly coupons: CouponRepo;
  readonly orders: OrderRepo;
  readonly accounts: AccountRepo;
  readonly audit: AuditRepo;
  readonly keys: KeyRepo;
  readonly policies: PolicyRepo;
  readonly lists: ListRepo;
  readonly reviews: ReviewRepo;
  /** Ring detection runs, rings and their members (src/core/rings). */
  readonly rings: RingRepo;
  /** Long jobs with checkpoints (src/core/jobs), incidents, traces and make-goods (issue 6). */
  readonly jobs: JobRepo;
  readonly incidents: IncidentRepo;
  readonly traces: TraceRepo;
  readonly makegoods: MakegoodRepo;
  readonly monitoring: MonitoringRepo;
  /** Bumped on every policy or list change; processes poll it to refresh their caches. */
  configVersion(): Promise<number>;
  /** Starts background resources (the SQLite writer thread) before traffic arrives; optional. */
  warm?(): Promise<void>;
  close(): Promise<void>;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque cursor for the next page, null at the end. */
  readonly next: string | null;
}

export interface CampaignRepo {
  create(c: Campaign, audit: AuditInput): Promise<void>;
  get(id: CampaignId): Promise<Campaign | null>;
  list(filter: { state?: CampaignState; limit: number; after?: string }): Promise<Page<Campaign>>;
  usage(id: CampaignId): Promise<CampaignUsage>;
  /** Moves the state only if it is one of `from`; returns the campaign after, or the unchanged one. */
  transition(id: CampaignId, from: readonly CampaignState[], to: CampaignState, at: number, audit: AuditInput): Promise<{ changed: boolean; campaign: Campaign | null }>;
}

export interface CodeRepo {
  /** Stores a batch and its codes in one atomic unit (idempotent on the batch id). */
  createBatch(batch: CodeBatch, codes: readonly IssuedCode[], audit: AuditInput): Promise<void>;
  getBatch(id: BatchId): Promise<CodeBatch | null>;
  listBatches(campaignId: CampaignId): Promise<readonly CodeBatch[]>;
  listCodes(batchId: BatchId, page: { limit: number; after?: string }): Promise<Page<IssuedCode>>;
  getCode(id: CodeId): Promise<IssuedCode | null>;
  revokeBatch(id: BatchId, at: number, audit: AuditInput): Promise<{ changed: boolean; batch: CodeBatch | null }>;
}

/** What the monitor reads of a claim. */
export type ClaimSummary = Pick<ClaimRecord, 'at' | 'campaignId' | 'channel' | 'decision' | 'faceValueFen' | 'accountId' | 'deviceId' | 'ip' | 'phone' | 'codeId' | 'reasons'>;

export interface ClaimRepo {
  /** The claim path's atomic check-and-consume (see `atomicClaimCheck`). */
  commit(plan: ClaimPlan): Promise<ClaimCommitOutcome>;
  get(id: ClaimId): Promise<ClaimRecord | null>;
  getChallenge(id: string): Promise<ChallengeRecord | null>;
  /** Identity hashes linked to an account by earlier claims or account events. */
  identityHashesOf(accountId: AccountId): Promise<readonly string[]>;
  list(filter: { campaignId?: CampaignId; accountId?: AccountId; limit: number; after?: string }): Promise<Page<ClaimRecord>>;
  countByDecision(campaignId: CampaignId): Promise<Record<string, number>>;
  /** Claims in commit order with `at` in [from, to), for detectors, backtests and warm-up. */
  scan(range: { from: number; to: number }): AsyncIterable<ClaimRecord>;
  /** Claims committed after `afterSeq`, in commit order, with their sequence numbers (the monitor's feed). */
  tail(afterSeq: number, limit: number): Promise<readonly { readonly seq: number; readonly record: ClaimRecord }[]>;
  /**
   * The same feed with only what the monitor counts (no signals, rules or shadow to parse): the
   * monitor reads every claim once a second, and the full record's JSON was most of that cost.
   */
  tailSummaries(afterSeq: number, limit: number): Promise<readonly { readonly seq: number; readonly claim: ClaimSummary }[]>;
  /** The sequence number just before the first claim at or after `at` (where a tail of recent history starts). */
  seqBefore(at: number): Promise<number>;
  /** How many claims `scan` would yield, for progress bars. */
  countRange(range: { from: number; to: number }): Promise<number>;
}

export interface CouponRepo {
  get(id: CouponId): Promise<Coupon | null>;
  getMany(ids: readonly CouponId[]): Promise<readonly (Coupon | null)[]>;
  listByAccount(accountId: AccountId, filter: { status?: CouponStatus; limit: number; after?: string }): Promise<Page<Coupon>>;
  /** Revokes an unused coupon (available or locked); redeemed coupons are left alone. */
  revoke(id: CouponId, at: number, audit: AuditInput): Promise<{ changed: boolean; coupon: Coupon | null }>;
  /**
   * One batch of a bulk revocation job: walks the plan from the ticket's checkpoint, revokes the
   * unused coupons in scope and advances the checkpoint in one atomic unit (`lost` when the
   * ticket is stale: nothing applied).
   */
  revokeBatch(ticket: JobTicket, job: Job<RevokePlan>, limit: number, finishAudit: AuditInput): Promise<JobAdvance>;
}

export interface OrderRepo extends OrderFeed {
  /** Redeems the plan's coupons and stores the order in one atomic unit. */
  commit(plan: OrderPlan): Promise<OrderCommitOutcome>;
  get(id: OrderId): Promise<Order | null>;
  /**
   * Applies an action if the order is in a state it allows; on cancel, restores or voids its
   * coupons per campaign setting in the same atomic unit.
   */
  transition(id: OrderId, action: OrderAction, at: number, actor: string, audit: AuditInput | null): Promise<{ changed: boolean; order: Order | null }>;
}

export interface OrderFeed {
  /** Orders placed (placed or held) after `afterSeq` of the order event log, in order. */
  tailPlaced(afterSeq: number, limit: number): Promise<readonly { readonly seq: number; readonly order: Order }[]>;
}

export interface AccountRepo {
  recordEvent(e: AccountEvent): Promise<void>;
  get(id: AccountId): Promise<AccountRecord | null>;
  /** Account events in order with `at` in [from, to), for backtests. */
  scanEvents(range: { from: number; to: number }): AsyncIterable<AccountEvent>;
}

export interface AuditRepo {
  append(e: AuditInput, at: number): Promise<AuditEntry>;
  list(page: { limit: number; afterSeq?: number }): Promise<readonly AuditEntry[]>;
  /** Every entry in order, for verification. */
  all(): AsyncIterable<AuditEntry> | Iterable<AuditEntry>;
}

export const ROLES = ['client', 'operator', 'analyst', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly hash: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface KeyRepo {
  create(k: ApiKeyRecord, audit: AuditInput): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  list(): Promise<readonly ApiKeyRecord[]>;
}

export interface PolicyRepo {
  list(): Promise<readonly PolicyVersion[]>;
  get(version: number): Promise<PolicyVersion | null>;
  /**
   * Stores a new version as live or shadow. The previous holder of that status is retired in the
   * same atomic unit, so there is always at most one live and one shadow version.
   */
  publish(doc: PolicyDoc, status: 'live' | 'shadow', at: number, actor: string, note: string, audit: AuditInput): Promise<PolicyVersion>;
  /** Promotes (shadow → live, retiring the old live) or retires a version. */
  setStatus(version: number, status: PolicyStatus, at: number, audit: AuditInput): Promise<PolicyVersion | null>;
}

export interface ListRepo {
  add(e: Omit<ListEntry, 'id'>, audit: AuditInput): Promise<ListEntry>;
  remove(id: number, at: number, audit: AuditInput): Promise<boolean>;
  /** Entries not removed and not expired at `at`. */
  active(at: number): Promise<readonly ListEntry[]>;
}

export type ReviewVerdict = 'approve' | 'reject';

export interface ReviewRepo {
  /** Claims held by the policy whose coupon is still locked, oldest first. */
  pendingClaims(page: { limit: number; after?: string }): Promise<Page<ClaimRecord>>;
  /** Orders held before fulfilment, oldest first. */
  pendingOrders(page: { limit: number; after?: string }): Promise<Page<Order>>;
  /** approve: the locked coupon becomes available; reject: it is revoked. Once per claim. */
  decideClaim(claimId: ClaimId, verdict: ReviewVerdict, at: number, actor: string, note: string): Promise<{ changed: boolean; claim: ClaimRecord | null }>;
  /** approve: the held order is released for fulfilment; reject: it is cancelled. Once per order. */
  decideOrder(orderId: OrderId, verdict: ReviewVerdict, at: number, actor: string, note: string): Promise<{ changed: boolean; order: Order | null }>;
}

export type PauseScope = 'type' | 'channel';

export interface ActivePause {
  readonly kind: PauseScope;
  readonly value: string;
  readonly reason: string;
  readonly actor: string;
  readonly pausedAt: number;
}

export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly disabledAt: number | null;
}

export interface WebhookDelivery {
  readonly id: number;
  readonly alertId: string;
  readonly endpointId: string;
  readonly body: string;
  readonly status: 'pending' | 'delivered' | 'dead';
  readonly attempts: number;
  readonly nextAt: number;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
}

/** Pauses by coupon type and channel, alerts, webhook endpoints and their delivery queue. */
export interface MonitoringRepo {
  /** Pauses a coupon type or channel; false when it already was. Audited. */
  pause(kind: PauseScope, value: string, reason: string, at: number, audit: AuditInput): Promise<boolean>;
  resume(kind: PauseScope, value: string, at: number, audit: AuditInput): Promise<boolean>;
  activePauses(): Promise<readonly ActivePause[]>;

  /**
   * Opens an alert, or, when one with the same dedup key is still open, updates it (last seen,
   * count, evidence). `created` tells whether anyone should be notified; new alerts are queued to
   * every active webhook endpoint in the same atomic unit.
   */
  raise(a: Omit<Alert, 'id' | 'status' | 'count' | 'lastAt' | 'action' | 'ackedBy' | 'resolvedBy'>, id: string, at: number): Promise<{ created: boolean; alert: Alert }>;
  setAction(id: string, action: string): Promise<void>;
  getAlert(id: string): Promise<Alert | null>;
  listAlerts(filter: { status?: AlertStatus; limit: number; after?: string }): Promise<Page<Alert>>;
  /** open → acknowledged, or open/acknowledged → resolved; audited. */
  setAlertStatus(id: string, to: 'acknowledged' | 'resolved', at: number, actor: string): Promise<{ changed: boolean; alert: Alert | null }>;

  addEndpoint(e: WebhookEndpoint, audit: AuditInput): Promise<void>;
  listEndpoints(): Promise<readonly WebhookEndpoint[]>;
  disableEndpoint(id: string, at: number, audit: AuditInput): Promise<boolean>;
  dueDeliveries(at: number, limit: number): Promise<readonly WebhookDelivery[]>;
  /**
   * Takes a due delivery for one sender until `leaseUntil` (compare-and-set on its `nextAt`), so
   * that several server processes never send the same delivery at once. False: someone else has it.
   */
  leaseDelivery(id: number, nextAt: number, leaseUntil: number): Promise<boolean>;
  markDelivered(id: number, at: number): Promise<void>;
  /** Records a failed attempt; `nextAt` null means no more retries: the delivery goes to the dead-letter list. */
  markFailed(id: number, error: string, nextAt: number | null): Promise<void>;
  deliveries(filter: { status?: WebhookDelivery['status']; alertId?: string; limit: number }): Promise<readonly WebhookDelivery[]>;
}
