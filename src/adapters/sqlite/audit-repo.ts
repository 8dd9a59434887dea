import { auditHash, GENESIS_HASH, type AuditEntry, type AuditInput } from '../../core/audit/audit.js';
import type { Sha256 } from '../../ports/crypto.js';
import type { AuditRepo } from '../../ports/store.js';
import type { SqliteDb } from './database.js';

export interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export const auditFromRow = (r: AuditRow): AuditEntry => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action,
  target: r.target,
  details: JSON.parse(r.details) as Record<string, unknown>,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** Appends to the hash chain. Call inside the caller's transaction so action and audit land together. */
export function auditAppender(db: SqliteDb, sha256: Sha256): (e: AuditInput, at: number) => AuditEntry {
  const last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare(
    'INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  return (e, at) => {
    const prev = last.get() as { seq: number; hash: string } | undefined;
    const seq = (prev?.seq ?? 0) + 1;
    const prevHash = prev?.hash ?? GENESIS_HASH;
    const details = JSON.parse(JSON.stringify(e.details)) as Record<string, unknown>;
    const hash = auditHash(sha256, prevHash, { seq, at, actor: e.actor, action: e.action, target: e.target, details });
    insert.run(seq, at, e.actor, e.action, e.target, JSON.stringify(details), prevHash, hash);
    return { seq, at, actor: e.actor, action: e.action, target: e.target, details, prevHash, hash };
  };
}

export function sqliteAuditRepo(db: SqliteDb, append: (e: AuditInput, at: number) => AuditEntry): AuditRepo {
  const page = db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');
  const all = db.prepare('SELECT * FROM audit_log ORDER BY seq');
  const appendTx = db.transaction(append);
  return {
    append: async (e, at) => appendTx.immediate(e, at),
    list: async ({ limit, afterSeq }) => (page.all(afterSeq ?? 0, limit) as AuditRow[]).map(auditFromRow),
    *all() {
      for (const r of all.iterate() as IterableIterator<AuditRow>) yield auditFromRow(r);
    },
  };
}
