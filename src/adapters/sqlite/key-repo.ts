import type { AuditEntry, AuditInput } from '../../core/audit/audit.js';
import type { ApiKeyRecord, KeyRepo, Role } from '../../ports/store.js';
import type { SqliteDb } from './database.js';

interface KeyRow {
  id: string;
  name: string;
  role: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}
const keyFromRow = (r: KeyRow): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  hash: r.hash,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

export function sqliteKeyRepo(db: SqliteDb, appendAudit: (e: AuditInput, at: number) => AuditEntry): KeyRepo {
  const insert = db.prepare('INSERT INTO api_keys (id, name, role, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)');
  const byHash = db.prepare('SELECT * FROM api_keys WHERE hash = ?');
  const all = db.prepare('SELECT * FROM api_keys ORDER BY id');
  const create = db.transaction((k: ApiKeyRecord, audit: AuditInput) => {
    insert.run(k.id, k.name, k.role, k.hash, k.createdAt);
    appendAudit(audit, k.createdAt);
  });
  return {
    create: async (k, audit) => create.immediate(k, audit),
    findByHash: async (hash) => {
      const r = byHash.get(hash) as KeyRow | undefined;
      return r ? keyFromRow(r) : null;
    },
    list: async () => (all.all() as KeyRow[]).map(keyFromRow),
  };
}
