import type { AuditEntry, AuditInput } from '../../core/audit/audit.js';
import type { Coupon, CouponStatus } from '../../core/campaigns/campaign.js';
import type { AccountId, CampaignId, ClaimId, CouponId, OrderId } from '../../core/shared/ids.js';
import type { CouponRepo } from '../../ports/store.js';
import { revokeCursor, type RevokePlan } from '../../core/coupons/revoke.js';
import { addCounts, type Job, type JobTicket } from '../../core/jobs/job.js';
import type { JobCheckpoint } from './job-repo.js';
import type { SqliteDb } from './database.js';

export interface CouponRow {
  id: string;
  campaign_id: string;
  account_id: string;
  claim_id: string;
  face_value_fen: number;
  status: string;
  valid_from: number;
  valid_to: number;
  granted_at: number;
  order_id: string | null;
  updated_at: number;
}

export const couponFromRow = (r: CouponRow): Coupon => ({
  id: r.id as CouponId,
  campaignId: r.campaign_id as CampaignId,
  accountId: r.account_id as AccountId,
  claimId: r.claim_id as ClaimId,
  faceValueFen: r.face_value_fen,
  status: r.status as CouponStatus,
  validFrom: r.valid_from,
  validTo: r.valid_to,
  grantedAt: r.granted_at,
  orderId: r.order_id as OrderId | null,
  updatedAt: r.updated_at,
});

export function sqliteCouponRepo(db: SqliteDb, appendAudit: (e: AuditInput, at: number) => AuditEntry, checkpoint: JobCheckpoint): CouponRepo {
  const revokeBatch = bulkRevoke(db, checkpoint);
  const get = db.prepare('SELECT * FROM coupons WHERE id = ?');
  const byAccount = db.prepare('SELECT * FROM coupons WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?');
  const byAccountStatus = db.prepare('SELECT * FROM coupons WHERE account_id = ? AND status = ? AND id > ? ORDER BY id LIMIT ?');
  const revoke = db.prepare(
    "UPDATE coupons SET status = 'revoked', updated_at = ? WHERE id = ? AND status IN ('available', 'locked')",
  );
  const revokeTx = db.transaction((id: CouponId, at: number, audit: AuditInput) => {
    const changed = revoke.run(at, id).changes === 1;
    if (changed) appendAudit(audit, at);
    const r = get.get(id) as CouponRow | undefined;
    return { changed, coupon: r ? couponFromRow(r) : null };
  });
  const one = (id: string): Coupon | null => {
    const r = get.get(id) as CouponRow | undefined;
    return r ? couponFromRow(r) : null;
  };
  return {
    get: async (id) => one(id),
    getMany: async (ids) => ids.map(one),
    listByAccount: async (accountId, { status, limit, after }) => {
      const rows = (
        status ? byAccountStatus.all(accountId, status, after ?? '', limit + 1) : byAccount.all(accountId, after ?? '', limit + 1)
      ) as CouponRow[];
      const items = rows.slice(0, limit).map(couponFromRow);
      return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
    revoke: async (id, at, audit) => revokeTx.immediate(id, at, audit),
    revokeBatch: async (ticket, job, limit, finishAudit) => checkpoint.guard(() => revokeBatch.immediate(ticket, job, limit, finishAudit)),
  };
}

interface ScopeRow {
  id: string;
  campaign_id: string;
  status: string;
  granted_at: number;
}

/** Units (accounts, campaigns, batches) one batch may walk when each holds few coupons. */
const UNITS_PER_BATCH = 2_000;

/**
 * One batch of a bulk revocation, as one IMMEDIATE transaction: read up to `limit` coupons from the
 * checkpoint on — the rest of the current unit, then the next units while the batch has room (an
 * account holds a few coupons: one unit per batch made a 100,000-account revocation 100,000
 * transactions) — by index, in id order; revoke those in scope that are still unused, and move
 * the checkpoint, all or nothing.
 */
function bulkRevoke(db: SqliteDb, checkpoint: JobCheckpoint) {
  const byUnit = {
    campaigns: db.prepare('SELECT id, campaign_id, status, granted_at FROM coupons WHERE campaign_id = ? AND id > ? ORDER BY id LIMIT ?'),
    accounts: db.prepare('SELECT id, campaign_id, status, granted_at FROM coupons WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?'),
    batch: db.prepare(
      `SELECT c.id, c.campaign_id, c.status, c.granted_at FROM claims cl JOIN coupons c ON c.id = cl.coupon_id
       WHERE cl.batch_id = ? AND cl.coupon_id > ? ORDER BY cl.coupon_id LIMIT ?`,
    ),
  };
  const revoke = db.prepare("UPDATE coupons SET status = 'revoked', updated_at = ? WHERE id = ? AND status IN ('available', 'locked')");
  return db.transaction((t: JobTicket, job: Job<RevokePlan>, limit: number, finishAudit: AuditInput) => {
    const plan = job.params;
    const at = revokeCursor(t.cursor);
    const campaigns = plan.campaignIds ? new Set(plan.campaignIds) : null;
    const counts = { revoked: 0, alreadyUsedOrGone: 0, outsideScope: 0 };
    let unit = at.unit;
    let after = at.after;
    let seen = 0;
    for (let walked = 0; unit < plan.units.length && seen < limit && walked < UNITS_PER_BATCH; walked++) {
      const room = limit - seen;
      const rows = byUnit[plan.walk].all(plan.units[unit], after, room) as ScopeRow[];
      for (const r of rows) {
        const inScope =
          (!campaigns || campaigns.has(r.campaign_id)) &&
          (plan.grantedFrom === null || r.granted_at >= plan.grantedFrom) &&
          (plan.grantedTo === null || r.granted_at < plan.grantedTo);
        if (!inScope) counts.outsideScope++;
        else if (revoke.run(t.at, r.id).changes === 1) counts.revoked++;
        else counts.alreadyUsedOrGone++;
      }
      seen += rows.length;
      if (rows.length < room) {
        unit++;
        after = '';
      } else after = rows.at(-1)!.id;
    }
    const finished = unit >= plan.units.length;
    const next = `${unit}|${after}`;
    return checkpoint.advance(
      t,
      { cursor: next, phase: `${plan.walk} ${Math.min(unit + (finished ? 0 : 1), plan.units.length)}/${plan.units.length}`, done: job.done + seen, total: null, counts: addCounts(job.counts, counts), finished },
      finishAudit,
    );
  });
}
