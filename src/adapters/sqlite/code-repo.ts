import type { AuditEntry, AuditInput } from '../../core/audit/audit.js';
import type { CodeBatch, IssuedCode } from '../../core/codes/batch.js';
import type { BatchId, CampaignId, CodeId } from '../../core/shared/ids.js';
import type { CodeRepo } from '../../ports/store.js';
import type { SqliteDb } from './database.js';

interface BatchRow {
  id: string;
  campaign_id: string;
  event: string;
  count: number;
  use_limit: number;
  expires_at: number;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
}
export interface CodeRow {
  id: string;
  batch_id: string;
  campaign_id: string;
  use_limit: number;
  uses: number;
  expires_at: number;
  key_id: string;
  nonce: string;
}

const batchFromRow = (r: BatchRow): CodeBatch => ({
  id: r.id as BatchId,
  campaignId: r.campaign_id as CampaignId,
  event: r.event,
  count: r.count,
  useLimit: r.use_limit,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  createdBy: r.created_by,
  revokedAt: r.revoked_at,
});
export const codeFromRow = (r: CodeRow): IssuedCode => ({
  id: r.id as CodeId,
  batchId: r.batch_id as BatchId,
  campaignId: r.campaign_id as CampaignId,
  useLimit: r.use_limit,
  uses: r.uses,
  expiresAt: r.expires_at,
  keyId: r.key_id,
  nonce: r.nonce,
});

export function sqliteCodeRepo(db: SqliteDb, appendAudit: (e: AuditInput, at: number) => AuditEntry): CodeRepo {
  const insertBatch = db.prepare(
    'INSERT INTO code_batches (id, campaign_id, event, count, use_limit, expires_at, created_at, created_by, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)',
  );
  const insertCode = db.prepare(
    'INSERT INTO codes (id, batch_id, campaign_id, use_limit, uses, expires_at, key_id, nonce) VALUES (?, ?, ?, ?, 0, ?, ?, ?)',
  );
  const getBatch = db.prepare('SELECT * FROM code_batches WHERE id = ?');
  const listBatches = db.prepare('SELECT * FROM code_batches WHERE campaign_id = ? ORDER BY id');
  const listCodes = db.prepare('SELECT * FROM codes WHERE batch_id = ? AND id > ? ORDER BY id LIMIT ?');
  const getCode = db.prepare('SELECT * FROM codes WHERE id = ?');
  const revoke = db.prepare('UPDATE code_batches SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');

  const create = db.transaction((b: CodeBatch, codes: readonly IssuedCode[], audit: AuditInput) => {
    if (getBatch.get(b.id)) return;
    insertBatch.run(b.id, b.campaignId, b.event, b.count, b.useLimit, b.expiresAt, b.createdAt, b.createdBy);
    for (const c of codes) insertCode.run(c.id, c.batchId, c.campaignId, c.useLimit, c.expiresAt, c.keyId, c.nonce);
    appendAudit(audit, b.createdAt);
  });
  const revokeTx = db.transaction((id: BatchId, at: number, audit: AuditInput) => {
    const changed = revoke.run(at, id).changes === 1;
    if (changed) appendAudit(audit, at);
    const r = getBatch.get(id) as BatchRow | undefined;
    return { changed, batch: r ? batchFromRow(r) : null };
  });

  return {
    createBatch: async (b, codes, audit) => create.immediate(b, codes, audit),
    getBatch: async (id) => {
      const r = getBatch.get(id) as BatchRow | undefined;
      return r ? batchFromRow(r) : null;
    },
    listBatches: async (campaignId) => (listBatches.all(campaignId) as BatchRow[]).map(batchFromRow),
    listCodes: async (batchId, { limit, after }) => {
      const rows = listCodes.all(batchId, after ?? '', limit + 1) as CodeRow[];
      const items = rows.slice(0, limit).map(codeFromRow);
      return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
    getCode: async (id) => {
      const r = getCode.get(id) as CodeRow | undefined;
      return r ? codeFromRow(r) : null;
    },
    revokeBatch: async (id, at, audit) => revokeTx.immediate(id, at, audit),
  };
}
