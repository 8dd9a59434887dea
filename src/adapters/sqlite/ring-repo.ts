import type { AuditEntry, AuditInput } from '../../core/audit/audit.js';
import type { ThingKind } from '../../core/rings/kinds.js';
import type { Ring, RingId, RingMember, RingRun, RingRunId, RingRunStatus } from '../../core/rings/ring.js';
import type { AccountId } from '../../core/shared/ids.js';
import type { RingRepo } from '../../ports/rings.js';
import type { SqliteDb } from './database.js';
import { orderFromRow, type OrderRow } from './order-repo.js';

interface RunRow {
  id: string;
  at: number;
  from_at: number;
  to_at: number;
  status: string;
  actor: string;
  stats: string | null;
  error: string | null;
  finished_at: number | null;
}

interface MemberRow {
  account_id: string;
  share: number;
  strong_links: number;
  attached: number;
}

const runFromRow = (r: RunRow): RingRun => ({
  id: r.id as RingRunId,
  at: r.at,
  from: r.from_at,
  to: r.to_at,
  status: r.status as RingRunStatus,
  actor: r.actor,
  stats: r.stats ? (JSON.parse(r.stats) as RingRun['stats']) : null,
  error: r.error,
  finishedAt: r.finished_at,
});

const memberFromRow = (r: MemberRow): RingMember => ({ accountId: r.account_id as AccountId, share: r.share, strongLinks: r.strong_links, attached: r.attached === 1 });

/**
 * Ring runs, rings (the summary as JSON), members and things in SQLite. Storing a run's rings is
 * one transaction that also moves the `ring_current` pointer, so readers see the old run or the
 * new one, never half of it.
 */
export function sqliteRingRepo(db: SqliteDb, appendAudit: (e: AuditInput, at: number) => AuditEntry): RingRepo {
  const s = {
    orders: db.prepare('SELECT rowid, id, status, body, updated_at FROM orders WHERE rowid > ? AND at >= ? AND at < ? ORDER BY rowid LIMIT 1000'),
    countOrders: db.prepare('SELECT count(*) FROM orders WHERE at >= ? AND at < ?').pluck(),
    insertRun: db.prepare("INSERT INTO ring_runs (id, at, from_at, to_at, status, actor) VALUES (?, ?, ?, ?, 'running', ?)"),
    finishRun: db.prepare("UPDATE ring_runs SET status = 'done', stats = ?, finished_at = ? WHERE id = ?"),
    failRun: db.prepare("UPDATE ring_runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?"),
    getRun: db.prepare('SELECT * FROM ring_runs WHERE id = ?'),
    listRuns: db.prepare('SELECT * FROM ring_runs ORDER BY at DESC, id DESC LIMIT ?'),
    current: db.prepare('SELECT run_id FROM ring_current WHERE id = 1').pluck(),
    setCurrent: db.prepare('UPDATE ring_current SET run_id = ? WHERE id = 1'),
    insertRing: db.prepare('INSERT INTO rings (id, run_id, rank, score, size, first_seen_at, last_seen_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    insertMember: db.prepare('INSERT INTO ring_members (run_id, ring_id, account_id, share, strong_links, attached) VALUES (?, ?, ?, ?, ?, ?)'),
    insertThing: db.prepare('INSERT OR IGNORE INTO ring_things (run_id, ring_id, kind, value, accounts, total) VALUES (?, ?, ?, ?, ?, ?)'),
    ringsOfRun: db.prepare('SELECT body FROM rings WHERE run_id = ? AND rank > ? ORDER BY rank LIMIT ?').pluck(),
    ring: db.prepare('SELECT body FROM rings WHERE id = ?').pluck(),
    members: db.prepare('SELECT account_id, share, strong_links, attached FROM ring_members WHERE ring_id = ? AND account_id > ? ORDER BY account_id LIMIT ?'),
    membership: db.prepare(
      'SELECT m.ring_id, r.score FROM ring_members m JOIN rings r ON r.id = m.ring_id WHERE m.account_id = ? AND m.run_id = (SELECT run_id FROM ring_current WHERE id = 1) LIMIT 1',
    ),
    linked: db.prepare('SELECT ring_id FROM ring_things WHERE kind = ? AND value = ? AND run_id = (SELECT run_id FROM ring_current WHERE id = 1)').pluck(),
    runsIn: db.prepare(
      "SELECT ring_id, value FROM ring_things WHERE kind = 'phone_run' AND value >= ? AND value < ? AND run_id = (SELECT run_id FROM ring_current WHERE id = 1)",
    ),
  };

  const finish = db.transaction((id: RingRunId, stats: RingRun['stats'], records: Parameters<RingRepo['finishRun']>[2], at: number) => {
    for (const { ring, members, things } of records) {
      s.insertRing.run(ring.id, id, ring.rank, ring.score, ring.size, ring.firstSeenAt, ring.lastSeenAt, JSON.stringify(ring));
      for (const m of members) s.insertMember.run(id, ring.id, m.accountId, m.share, m.strongLinks, m.attached ? 1 : 0);
      for (const t of things) s.insertThing.run(id, ring.id, t.kind, t.value, t.accounts, t.total);
    }
    s.finishRun.run(JSON.stringify(stats), at, id);
    s.setCurrent.run(id);
  });

  const run = (id: string): RingRun | null => {
    const r = s.getRun.get(id) as RunRow | undefined;
    return r ? runFromRow(r) : null;
  };

  return {
    async *scanOrders({ from, to }) {
      // Pages of 1,000 so a long scan never holds a read transaction open across awaits.
      let rowid = 0;
      for (;;) {
        const rows = s.orders.all(rowid, from, to) as (OrderRow & { rowid: number })[];
        for (const r of rows) yield orderFromRow(r);
        if (rows.length < 1000) return;
        rowid = rows.at(-1)!.rowid;
      }
    },
    countOrders: async ({ from, to }) => s.countOrders.get(from, to) as number,
    startRun: async (r, audit) => {
      db.transaction(() => {
        s.insertRun.run(r.id, r.at, r.from, r.to, r.actor);
        appendAudit(audit, r.at);
      }).immediate();
    },
    finishRun: async (id, stats, records, at) => {
      finish.immediate(id, stats, records, at);
      return run(id)!;
    },
    failRun: async (id, error, at) => void s.failRun.run(error, at, id),
    getRun: async (id) => run(id),
    listRuns: async (limit) => (s.listRuns.all(limit) as RunRow[]).map(runFromRow),
    currentRun: async () => {
      const id = s.current.get() as string | null;
      return id ? run(id) : null;
    },
    list: async ({ runId, limit, after }) => {
      const id = runId ?? (s.current.get() as string | null);
      if (!id) return { items: [], next: null };
      const afterRank = after ? Number(/_(\d+)$/.exec(after)?.[1] ?? 0) : 0;
      const items = (s.ringsOfRun.all(id, afterRank, limit + 1) as string[]).map((b) => JSON.parse(b) as Ring);
      const page = items.slice(0, limit);
      return { items: page, next: items.length > limit ? (page.at(-1)?.id ?? null) : null };
    },
    get: async (id) => {
      const b = s.ring.get(id) as string | undefined;
      return b ? (JSON.parse(b) as Ring) : null;
    },
    members: async (id, { limit, after }) => {
      const rows = (s.members.all(id, after ?? '', limit + 1) as MemberRow[]).map(memberFromRow);
      const items = rows.slice(0, limit);
      return { items, next: rows.length > limit ? (items.at(-1)?.accountId ?? null) : null };
    },
    membership: async (accountId) => {
      const r = s.membership.get(accountId) as { ring_id: string; score: number } | undefined;
      return r ? { ringId: r.ring_id as RingId, score: r.score } : null;
    },
    linked: async (things) =>
      things.flatMap(({ kind, value }) => (s.linked.all(kind, value) as string[]).map((ringId) => ({ ringId: ringId as RingId, kind: kind as ThingKind, value }))),
    phoneRunsIn: async (segment) => (s.runsIn.all(`${segment}:`, `${segment};`) as { ring_id: string; value: string }[]).map((r) => ({ ringId: r.ring_id as RingId, value: r.value })),
  };
}
