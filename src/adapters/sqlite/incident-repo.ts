import type { AuditEntry, AuditInput } from '../../core/audit/audit.js';
import type { AccountClass, Disposition, Incident, IncidentId, IncidentStatus, Leniency, Member, ScopeKind, ScopeSelector, TimeWindow } from '../../core/incidents/incident.js';
import type { OrderStatus } from '../../core/orders/order.js';
import type { ClassifiedAccount, IncidentRepo } from '../../ports/incidents.js';
import type { SqliteDb } from './database.js';
import { auditFromRow, type AuditRow } from './audit-repo.js';

export interface IncidentRow {
  id: string;
  title: string;
  status: string;
  body: string;
  created_at: number;
  created_by: string;
  updated_at: number;
}

interface IncidentBody {
  window: TimeWindow | null;
  leniency: Leniency;
  note: string;
}

export const incidentFromRow = (r: IncidentRow): Incident => {
  const b = JSON.parse(r.body) as IncidentBody;
  return {
    id: r.id as IncidentId,
    title: r.title,
    status: r.status as IncidentStatus,
    window: b.window,
    leniency: b.leniency,
    note: b.note,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
};

export interface MemberRow {
  incident_id: string;
  seq: number;
  order_id: string;
  account_id: string;
  disposition: string;
  prior_status: string | null;
  found_at: number;
  acted_at: number | null;
}

export const memberFromRow = (r: MemberRow): Member => ({
  incidentId: r.incident_id as IncidentId,
  seq: r.seq,
  orderId: r.order_id,
  accountId: r.account_id,
  disposition: r.disposition as Disposition,
  priorStatus: r.prior_status as OrderStatus | null,
  foundAt: r.found_at,
  actedAt: r.acted_at,
});

const bodyOf = (i: Pick<Incident, 'window' | 'leniency' | 'note'>): string => JSON.stringify({ window: i.window, leniency: i.leniency, note: i.note } satisfies IncidentBody);

/** Incidents, scope, classification and members (the job batches are in incident-batch-repo.ts). */
export function sqliteIncidentRepo(
  db: SqliteDb,
  appendAudit: (e: AuditInput, at: number) => AuditEntry,
): Omit<IncidentRepo, 'resolveBatch' | 'actBatch' | 'actOnMember'> {
  const s = {
    insert: db.prepare('INSERT INTO incidents (id, title, status, body, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    get: db.prepare('SELECT * FROM incidents WHERE id = ?'),
    list: db.prepare('SELECT * FROM incidents WHERE id > ? ORDER BY id LIMIT ?'),
    setStatus: db.prepare('UPDATE incidents SET status = ?, updated_at = ? WHERE id = ? AND status = ?'),
    setBody: db.prepare('UPDATE incidents SET body = ?, updated_at = ? WHERE id = ?'),
    addScope: db.prepare('INSERT OR IGNORE INTO incident_scope (incident_id, kind, value, added_at) VALUES (?, ?, ?, ?)'),
    scopeCounts: db.prepare('SELECT kind, count(*) AS n FROM incident_scope WHERE incident_id = ? GROUP BY kind'),
    scopePage: db.prepare("SELECT kind, value FROM incident_scope WHERE incident_id = ? AND kind || ' ' || value > ? ORDER BY kind, value LIMIT ?"),
    classOf: db.prepare('SELECT class, ring, source FROM incident_accounts WHERE incident_id = ? AND account_id = ?'),
    classify: db.prepare(
      `INSERT INTO incident_accounts (incident_id, account_id, class, ring, source, at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (incident_id, account_id) DO UPDATE SET class = excluded.class, ring = excluded.ring, source = excluded.source, at = excluded.at`,
    ),
    accounts: db.prepare('SELECT account_id, class, ring, source FROM incident_accounts WHERE incident_id = ? AND account_id > ? ORDER BY account_id LIMIT ?'),
    accountsOfClass: db.prepare('SELECT account_id, class, ring, source FROM incident_accounts WHERE incident_id = ? AND class = ? AND account_id > ? ORDER BY account_id LIMIT ?'),
    memberAccounts: db.prepare('SELECT DISTINCT account_id FROM incident_orders WHERE incident_id = ? AND account_id > ? ORDER BY account_id LIMIT ?').pluck(),
    members: db.prepare('SELECT * FROM incident_orders WHERE incident_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    membersOf: db.prepare('SELECT * FROM incident_orders WHERE incident_id = ? AND disposition = ? AND seq > ? ORDER BY seq LIMIT ?'),
    member: db.prepare('SELECT * FROM incident_orders WHERE order_id = ? AND incident_id = ?'),
    counts: db.prepare('SELECT disposition, count(*) AS n FROM incident_orders WHERE incident_id = ? GROUP BY disposition'),
    memberships: db.prepare('SELECT incident_id, disposition FROM incident_orders WHERE order_id = ? ORDER BY incident_id'),
    timeline: db.prepare('SELECT * FROM audit_log WHERE target = ? ORDER BY seq'),
  };

  const create = db.transaction((i: Incident, scope: readonly ScopeSelector[], audit: AuditInput) => {
    s.insert.run(i.id, i.title, i.status, bodyOf(i), i.createdAt, i.createdBy, i.updatedAt);
    for (const sel of scope) s.addScope.run(i.id, sel.kind, sel.value, i.createdAt);
    appendAudit(audit, i.createdAt);
  });

  const setStatus = db.transaction((id: IncidentId, from: IncidentStatus, to: IncidentStatus, at: number, audit: AuditInput) => {
    const changed = s.setStatus.run(to, at, id, from).changes === 1;
    if (changed) appendAudit(audit, at);
    const r = s.get.get(id) as IncidentRow | undefined;
    return { changed, incident: r ? incidentFromRow(r) : null };
  });

  const setLeniency = db.transaction((id: IncidentId, l: Leniency, at: number, audit: AuditInput) => {
    const r = s.get.get(id) as IncidentRow | undefined;
    if (!r) return null;
    s.setBody.run(bodyOf({ ...incidentFromRow(r), leniency: l }), at, id);
    appendAudit(audit, at);
    return incidentFromRow(s.get.get(id) as IncidentRow);
  });

  const addScope = db.transaction((id: IncidentId, selectors: readonly ScopeSelector[], at: number, audit: AuditInput) => {
    let added = 0;
    for (const sel of selectors) added += s.addScope.run(id, sel.kind, sel.value, at).changes;
    appendAudit({ ...audit, details: { ...audit.details, added } }, at);
    return added;
  });

  const classify = db.transaction((id: IncidentId, accounts: readonly ClassifiedAccount[], at: number, audit: AuditInput | null) => {
    let changed = 0;
    for (const a of accounts) {
      const cur = s.classOf.get(id, a.accountId) as { class: string; ring: string | null; source: string } | undefined;
      // An operator's word stands: ring detection does not overwrite it.
      if (cur && cur.source === 'operator' && a.source === 'rings') continue;
      if (cur && cur.class === a.class && cur.ring === a.ring && cur.source === a.source) continue;
      s.classify.run(id, a.accountId, a.class, a.ring, a.source, at);
      changed++;
    }
    if (audit) appendAudit({ ...audit, details: { ...audit.details, changed } }, at);
    return changed;
  });

  const toAccount = (r: { account_id: string; class: string; ring: string | null; source: string }): ClassifiedAccount => ({
    accountId: r.account_id,
    class: r.class as AccountClass,
    ring: r.ring,
    source: r.source as 'operator' | 'rings',
  });

  return {
    create: async (i, scope, audit) => create.immediate(i, scope, audit),
    get: async (id) => {
      const r = s.get.get(id) as IncidentRow | undefined;
      return r ? incidentFromRow(r) : null;
    },
    list: async ({ limit, after }) => {
      const rows = s.list.all(after ?? '', limit + 1) as IncidentRow[];
      const items = rows.slice(0, limit).map(incidentFromRow);
      return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
    setStatus: async (id, from, to, at, audit) => setStatus.immediate(id, from, to, at, audit),
    setLeniency: async (id, l, at, audit) => setLeniency.immediate(id, l, at, audit),
    addScope: async (id, selectors, at, audit) => addScope.immediate(id, selectors, at, audit),
    scopeCounts: async (id) => Object.fromEntries((s.scopeCounts.all(id) as { kind: ScopeKind; n: number }[]).map((r) => [r.kind, r.n])),
    scopePage: async (id, { limit, after }) => {
      const rows = s.scopePage.all(id, after ?? '', limit + 1) as { kind: ScopeKind; value: string }[];
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, next: rows.length > limit && last ? `${last.kind} ${last.value}` : null };
    },
    classify: async (id, accounts, at, audit) => classify.immediate(id, accounts, at, audit),
    accountsPage: async (id, { limit, after, class: cls }) => {
      const rows = (cls ? s.accountsOfClass.all(id, cls, after ?? '', limit + 1) : s.accounts.all(id, after ?? '', limit + 1)) as {
        account_id: string;
        class: string;
        ring: string | null;
        source: string;
      }[];
      const items = rows.slice(0, limit).map(toAccount);
      return { items, next: rows.length > limit ? (items.at(-1)?.accountId ?? null) : null };
    },
    memberAccounts: async (id, { limit, after }) => {
      const rows = s.memberAccounts.all(id, after ?? '', limit + 1) as string[];
      const items = rows.slice(0, limit);
      return { items, next: rows.length > limit ? (items.at(-1) ?? null) : null };
    },
    members: async (id, { limit, afterSeq, disposition }) => {
      const rows = (disposition ? s.membersOf.all(id, disposition, afterSeq ?? 0, limit + 1) : s.members.all(id, afterSeq ?? 0, limit + 1)) as MemberRow[];
      const items = rows.slice(0, limit).map(memberFromRow);
      return { items, next: rows.length > limit ? (items.at(-1)?.seq ?? null) : null };
    },
    member: async (id, orderId) => {
      const r = s.member.get(orderId, id) as MemberRow | undefined;
      return r ? memberFromRow(r) : null;
    },
    dispositionCounts: async (id) => Object.fromEntries((s.counts.all(id) as { disposition: Disposition; n: number }[]).map((r) => [r.disposition, r.n])),
    membershipsOf: async (orderId) =>
      (s.memberships.all(orderId) as { incident_id: string; disposition: string }[]).map((r) => ({ incidentId: r.incident_id as IncidentId, disposition: r.disposition as Disposition })),
    timeline: async (id) =>
      (s.timeline.all(id) as AuditRow[]).map(auditFromRow),
  };
}
