import type { AuditInput } from '../core/audit/audit.js';
import type { JobAdvance, JobTicket } from '../core/jobs/job.js';
import type { Makegood, MakegoodId, Recipient, RecipientState } from '../core/makegood/makegood.js';

/** Ids the core hands a batch for the grants it may make (one claim and one coupon id each). */
export interface GrantIds {
  readonly claimId: string;
  readonly couponId: string;
}

/**
 * Make-goods and their recipients. `selectBatch` and `issueBatch` are job batches (see `JobRepo`):
 * each applies its units and advances the job checkpoint in one atomic unit. `issueBatch` grants
 * at most one coupon per recipient ever (the recipient row changes state in the same unit), checks
 * the campaign's per-account, per-identity and per-phone limits and its budgets, and finishes the
 * job when the make-good's budget cannot pay the next coupon.
 */
export interface MakegoodRepo {
  create(m: Makegood, accounts: readonly string[], audit: AuditInput): Promise<void>;
  get(id: MakegoodId): Promise<Makegood | null>;
  list(page: { limit: number; after?: string }): Promise<{ items: readonly Makegood[]; next: string | null }>;
  recipientCounts(id: MakegoodId): Promise<Partial<Record<RecipientState, number>>>;
  recipients(id: MakegoodId, page: { limit: number; afterSeq?: number; state?: RecipientState }): Promise<{ items: readonly Recipient[]; next: number | null }>;
  /** Population `active`: scans orders in rowid order and adds their accounts (phase `select`, then `issue`). */
  selectBatch(t: JobTicket, id: MakegoodId, limit: number): Promise<JobAdvance>;
  issueBatch(t: JobTicket, id: MakegoodId, grants: readonly GrantIds[], finishAudit: AuditInput): Promise<JobAdvance>;
}
