import type { AuditEntry, AuditInput } from '../../core/audit/audit.js';
import type { Coupon, CouponStatus } from '../../core/campaigns/campaign.js';
import type { AccountId, CampaignId, ClaimId, CouponId, OrderId } from '../../core/shared/ids.js';
import type { CouponRepo } from '../../ports/store.js';
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

export function sqliteCouponRepo(db: SqliteDb, appendAudit: (e: AuditInput, at: number) => AuditEntry): CouponRepo {
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
  };
}
