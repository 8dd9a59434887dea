import type { AuditInput } from '../audit/audit.js';
import type { Campaign } from '../campaigns/campaign.js';
import { couponTypeOf } from '../campaigns/campaign.js';
import type { CoreDeps } from '../deps.js';
import type { Job, JobAdvance, JobTicket } from '../jobs/job.js';
import type { JobHandler } from '../jobs/runner.js';
import { createJob } from '../jobs/service.js';
import { appError, type AppError } from '../shared/errors.js';
import type { CampaignId } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';

/**
 * Bulk revocation of unused coupons (available or locked) in a scope, as a resumable job. Used,
 * revoked and expired coupons, and every coupon outside the scope, are left as they are.
 *
 * The scope is walked along one dimension, unit by unit, in coupon-id order: a code batch, else a
 * list of accounts, else the campaigns (of a campaign or a coupon type). The other criteria filter.
 * The checkpoint is `<unit index>|<last coupon id>`, advanced in the same transaction as the
 * batch's revocations, so a crash repeats nothing and skips nothing.
 */
export interface RevokeScope {
  readonly campaignId?: string;
  readonly couponType?: string;
  readonly batchId?: string;
  readonly accountIds?: readonly string[];
  /** Only coupons granted in [grantedFrom, grantedTo). */
  readonly grantedFrom?: number;
  readonly grantedTo?: number;
}

/** The scope resolved at start: the units to walk and the filters to apply. */
export interface RevokePlan {
  readonly walk: 'batch' | 'accounts' | 'campaigns';
  readonly units: readonly string[];
  /** Campaign filter, when the walk is not over campaigns; null = any campaign. */
  readonly campaignIds: readonly string[] | null;
  readonly grantedFrom: number | null;
  readonly grantedTo: number | null;
  readonly reason: string;
}

export const REVOKE_JOB = 'coupons.revoke';

export function planRevoke(scope: RevokeScope, campaigns: readonly Campaign[], reason: string): Result<RevokePlan, AppError> {
  const inScope = campaigns.filter((c) => (scope.campaignId ? c.id === scope.campaignId : true) && (scope.couponType ? couponTypeOf(c) === scope.couponType : true));
  const campaignIds = scope.campaignId || scope.couponType ? inScope.map((c) => c.id as string).sort() : null;
  if (campaignIds && campaignIds.length === 0) return err(appError('NOT_FOUND', 'no campaign matches that campaign or coupon type'));
  const window = { grantedFrom: scope.grantedFrom ?? null, grantedTo: scope.grantedTo ?? null };
  if (window.grantedFrom !== null && window.grantedTo !== null && window.grantedTo <= window.grantedFrom) return err(appError('VALIDATION_FAILED', 'grantedTo must be after grantedFrom'));
  if (scope.batchId) return ok({ walk: 'batch', units: [scope.batchId], campaignIds, ...window, reason });
  if (scope.accountIds?.length) return ok({ walk: 'accounts', units: [...new Set(scope.accountIds)].sort(), campaignIds, ...window, reason });
  if (campaignIds) return ok({ walk: 'campaigns', units: campaignIds, campaignIds: null, ...window, reason });
  return err(appError('VALIDATION_FAILED', 'give a campaign, a coupon type, a code batch or accounts'));
}

/** Parses the checkpoint. */
export function revokeCursor(cursor: string | null): { unit: number; after: string } {
  if (!cursor) return { unit: 0, after: '' };
  const i = cursor.indexOf('|');
  return { unit: Number(cursor.slice(0, i)), after: cursor.slice(i + 1) };
}

/** Starts a revocation job (audited); a runner then does the work in batches. */
export async function startRevoke(d: CoreDeps, scope: RevokeScope, reason: string, actor: string): Promise<Result<Job<RevokePlan>, AppError>> {
  const campaigns: Campaign[] = [];
  if (scope.campaignId) {
    const c = await d.store.campaigns.get(scope.campaignId as CampaignId);
    if (c) campaigns.push(c);
  } else if (scope.couponType) {
    let after: string | undefined;
    for (;;) {
      const page = await d.store.campaigns.list({ limit: 500, after });
      campaigns.push(...page.items);
      if (!page.next) break;
      after = page.next;
    }
  }
  const plan = planRevoke(scope, campaigns, reason);
  if (!plan.ok) return plan;
  const audit: AuditInput = { actor, action: 'coupons.revoke.start', target: scope.couponType ?? scope.campaignId ?? scope.batchId ?? 'accounts', details: { scope: { ...scope }, reason } };
  return createJob(d, { kind: REVOKE_JOB, ref: null, params: plan.value, actor, audit });
}

/** The job kind: each batch is one store transaction (see `CouponRepo.revokeBatch`). */
export function revokeJobHandler(d: Pick<CoreDeps, 'store'>): JobHandler {
  return {
    kind: REVOKE_JOB,
    batchSize: 5_000,
    step: (job: Job, ticket: JobTicket, limit: number): Promise<JobAdvance> =>
      d.store.coupons.revokeBatch(ticket, job as Job<RevokePlan>, limit, { actor: job.actor, action: 'coupons.revoke.done', target: job.id, details: {} }),
  };
}
