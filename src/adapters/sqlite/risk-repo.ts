import type { AuditEntry, AuditInput } from '../../core/audit/audit.js';
import type { ListEntry, ListKind, ListName } from '../../core/risk/lists.js';
import type { PolicyDoc, PolicyStatus, PolicyVersion } from '../../core/risk/policy-doc.js';
import type { ClaimId, OrderId } from '../../core/shared/ids.js';
import type { ListRepo, PolicyRepo, ReviewRepo, ReviewVerdict } from '../../ports/store.js';
import { claimFromRow, type ClaimRow } from './claim-repo.js';
import type { SqliteDb } from './database.js';
import { orderFromRow, type OrderRow, type OrderTransitionTx } from './order-repo.js';

type Append = (e: AuditInput, at: number) => AuditEntry;

interface PolicyRow {
  version: number;
  status: string;
  doc: string;
  created_at: number;
  created_by: string;
  note: string;
}
const policyFromRow = (r: PolicyRow): PolicyVersion => ({
  version: r.version,
  status: r.status as PolicyStatus,
  doc: JSON.parse(r.doc) as PolicyDoc,
  createdAt: r.created_at,
  createdBy: r.created_by,
  note: r.note,
});

export function sqliteConfigVersion(db: SqliteDb): { bump(): void; read(): number } {
  const bump = db.prepare('UPDATE config_version SET n = n + 1 WHERE id = 1');
  const read = db.prepare('SELECT n FROM config_version WHERE id = 1').pluck();
  return { bump: () => void bump.run(), read: () => read.get() as number };
}

export function sqlitePolicyRepo(db: SqliteDb, appendAudit: Append): PolicyRepo {
  const cfg = sqliteConfigVersion(db);
  const all = db.prepare('SELECT * FROM policies ORDER BY version');
  const get = db.prepare('SELECT * FROM policies WHERE version = ?');
  const next = db.prepare('SELECT coalesce(max(version), 0) + 1 FROM policies').pluck();
  const retire = db.prepare("UPDATE policies SET status = 'retired' WHERE status = ?");
  const insert = db.prepare('INSERT INTO policies (version, status, doc, created_at, created_by, note) VALUES (?, ?, ?, ?, ?, ?)');
  const setStatus = db.prepare('UPDATE policies SET status = ? WHERE version = ?');

  const publish = db.transaction((doc: PolicyDoc, status: 'live' | 'shadow', at: number, actor: string, note: string, audit: AuditInput) => {
    const version = next.get() as number;
    retire.run(status);
    insert.run(version, status, JSON.stringify(doc), at, actor, note);
    appendAudit({ ...audit, target: `policy@${version}`, details: { ...audit.details, version, status, rules: doc.rules.length } }, at);
    cfg.bump();
    return policyFromRow(get.get(version) as PolicyRow);
  });
  const change = db.transaction((version: number, status: PolicyStatus, at: number, audit: AuditInput) => {
    const row = get.get(version) as PolicyRow | undefined;
    if (!row) return null;
    if (status !== 'retired') retire.run(status);
    setStatus.run(status, version);
    appendAudit({ ...audit, details: { ...audit.details, version, from: row.status, to: status } }, at);
    cfg.bump();
    return policyFromRow(get.get(version) as PolicyRow);
  });
  return {
    list: async () => (all.all() as PolicyRow[]).map(policyFromRow),
    get: async (v) => {
      const r = get.get(v) as PolicyRow | undefined;
      return r ? policyFromRow(r) : null;
    },
    publish: async (doc, status, at, actor, note, audit) => publish.immediate(doc, status, at, actor, note, audit),
    setStatus: async (v, status, at, audit) => change.immediate(v, status, at, audit),
  };
}

interface ListRow {
  id: number;
  list: string;
  kind: string;
  value: string;
  reason: string;
  expires_at: number | null;
  created_at: number;
  created_by: string;
}
const listFromRow = (r: ListRow): ListEntry => ({
  id: r.id,
  list: r.list as ListName,
  kind: r.kind as ListKind,
  value: r.value,
  reason: r.reason,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

export function sqliteListRepo(db: SqliteDb, appendAudit: Append): ListRepo {
  const cfg = sqliteConfigVersion(db);
  const insert = db.prepare('INSERT INTO list_entries (list, kind, value, reason, expires_at, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const get = db.prepare('SELECT * FROM list_entries WHERE id = ?');
  const remove = db.prepare('UPDATE list_entries SET removed_at = ? WHERE id = ? AND removed_at IS NULL');
  const active = db.prepare('SELECT * FROM list_entries WHERE removed_at IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY id');
  const add = db.transaction((e: Omit<ListEntry, 'id'>, audit: AuditInput) => {
    const id = Number(insert.run(e.list, e.kind, e.value, e.reason, e.expiresAt, e.createdAt, e.createdBy).lastInsertRowid);
    appendAudit({ ...audit, target: `list-entry:${id}` }, e.createdAt);
    cfg.bump();
    return listFromRow(get.get(id) as ListRow);
  });
  const del = db.transaction((id: number, at: number, audit: AuditInput) => {
    const changed = remove.run(at, id).changes === 1;
    if (changed) {
      appendAudit(audit, at);
      cfg.bump();
    }
    return changed;
  });
  return {
    add: async (e, audit) => add.immediate(e, audit),
    remove: async (id, at, audit) => del.immediate(id, at, audit),
    active: async (at) => (active.all(at) as ListRow[]).map(listFromRow),
  };
}

export function sqliteReviewRepo(db: SqliteDb, appendAudit: Append, orderTransition: OrderTransitionTx): ReviewRepo {
  const held = db.prepare(
    `SELECT c.* FROM claims c JOIN coupons p ON p.id = c.coupon_id
     WHERE c.decision = 'hold' AND p.status = 'locked' AND c.id > ? ORDER BY c.id LIMIT ?`,
  );
  const heldOrders = db.prepare("SELECT id, status, body, updated_at FROM orders WHERE status = 'held' AND id > ? ORDER BY id LIMIT ?");
  const claim = db.prepare('SELECT * FROM claims WHERE id = ?');
  const reviewed = db.prepare('SELECT 1 FROM reviews WHERE subject_id = ?');
  const record = db.prepare('INSERT INTO reviews (subject, subject_id, verdict, at, actor, note) VALUES (?, ?, ?, ?, ?, ?)');
  const unlock = db.prepare("UPDATE coupons SET status = ?, updated_at = ? WHERE id = ? AND status = 'locked'");

  const decideClaim = db.transaction((id: ClaimId, verdict: ReviewVerdict, at: number, actor: string, note: string) => {
    const row = claim.get(id) as ClaimRow | undefined;
    if (!row) return { changed: false, claim: null };
    if (row.decision !== 'hold' || !row.coupon_id || reviewed.get(id)) return { changed: false, claim: claimFromRow(row) };
    if (unlock.run(verdict === 'approve' ? 'available' : 'revoked', at, row.coupon_id).changes !== 1) return { changed: false, claim: claimFromRow(row) };
    record.run('claim', id, verdict, at, actor, note);
    appendAudit({ actor, action: `review.claim.${verdict}`, target: id, details: { couponId: row.coupon_id, note } }, at);
    return { changed: true, claim: claimFromRow(row) };
  });
  const orderRow = db.prepare('SELECT id, status, body, updated_at FROM orders WHERE id = ?');
  const decideOrder = db.transaction((id: OrderId, verdict: ReviewVerdict, at: number, actor: string, note: string) => {
    const row = orderRow.get(id) as OrderRow | undefined;
    if (!row) return { changed: false, order: null };
    if (reviewed.get(id)) return { changed: false, order: orderFromRow(row) };
    const r = orderTransition(id, verdict === 'approve' ? 'release' : 'cancel', at, actor, {
      actor,
      action: `review.order.${verdict}`,
      target: id,
      details: { note },
    });
    if (r.changed) record.run('order', id, verdict, at, actor, note);
    return r;
  });
  const page = <T extends { id: string }>(items: T[], limit: number) => ({
    items: items.slice(0, limit),
    next: items.length > limit ? (items[limit - 1]?.id ?? null) : null,
  });
  return {
    pendingClaims: async ({ limit, after }) => page((held.all(after ?? '', limit + 1) as ClaimRow[]).map(claimFromRow), limit),
    pendingOrders: async ({ limit, after }) => page((heldOrders.all(after ?? '', limit + 1) as OrderRow[]).map(orderFromRow), limit),
    decideClaim: async (id, v, at, actor, note) => decideClaim.immediate(id, v, at, actor, note),
    decideOrder: async (id, v, at, actor, note) => decideOrder.immediate(id, v, at, actor, note),
  };
}
