import type { AuditEntry, AuditInput } from '../core/audit/audit.js';
import type { Campaign, CampaignState, CampaignUsage, Coupon, CouponStatus } from '../core/campaigns/campaign.js';
import type { ClaimCommitOutcome, ClaimPlan, ClaimRecord } from '../core/claims/claim.js';
import type { CodeBatch, IssuedCode } from '../core/codes/batch.js';
import type { Order, OrderAction, OrderCommitOutcome, OrderPlan } from '../core/orders/order.js';
import type { AccountEvent, AccountRecord } from '../core/accounts/account.js';
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

export interface ClaimRepo {
  /** The claim path's atomic check-and-consume (see `atomicClaimCheck`). */
  commit(plan: ClaimPlan): Promise<ClaimCommitOutcome>;
  get(id: ClaimId): Promise<ClaimRecord | null>;
  /** Identity hashes linked to an account by earlier claims or account events. */
  identityHashesOf(accountId: AccountId): Promise<readonly string[]>;
  list(filter: { campaignId?: CampaignId; accountId?: AccountId; limit: number; after?: string }): Promise<Page<ClaimRecord>>;
  /** Claims in time order from `afterSeq`, for detectors, backtests and the replay lab. */
  countByDecision(campaignId: CampaignId): Promise<Record<string, number>>;
}

export interface CouponRepo {
  get(id: CouponId): Promise<Coupon | null>;
  getMany(ids: readonly CouponId[]): Promise<readonly (Coupon | null)[]>;
  listByAccount(accountId: AccountId, filter: { status?: CouponStatus; limit: number; after?: string }): Promise<Page<Coupon>>;
  /** Revokes an unused coupon (available or locked); redeemed coupons are left alone. */
  revoke(id: CouponId, at: number, audit: AuditInput): Promise<{ changed: boolean; coupon: Coupon | null }>;
}

export interface OrderRepo {
  /** Redeems the plan's coupons and stores the order in one atomic unit. */
  commit(plan: OrderPlan): Promise<OrderCommitOutcome>;
  get(id: OrderId): Promise<Order | null>;
  /**
   * Applies an action if the order is in a state it allows; on cancel, restores or voids its
   * coupons per campaign setting in the same atomic unit.
   */
  transition(id: OrderId, action: OrderAction, at: number, actor: string, audit: AuditInput | null): Promise<{ changed: boolean; order: Order | null }>;
}

export interface AccountRepo {
  recordEvent(e: AccountEvent): Promise<void>;
  get(id: AccountId): Promise<AccountRecord | null>;
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
