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

/** How long the claim path trusts its copy of the current run before looking at the pointer again. */
const SNAPSHOT_TTL_MS = 250;
/** A run with more members + things than this is looked up row by row instead of copied. */
const SNAPSHOT_MAX_ROWS = 1_000_000;

/** The current run's lookups, copied into memory (what the claim path asks on every claim). */
interface RunSnapshot {
  readonly runId: string | null;
  readonly members: ReadonlyMap<string, { ringId: RingId; score: number }>;
  readonly things: ReadonlyMap<string, readonly RingId[]>;
  readonly runsBySegment: ReadonlyMap<string, readonly { ringId: RingId; value: string }[]>;
}

const thingKey = (kind: string, value: string) => `${kind}\u0000${value}`;

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

  const snap = {
    members: db.prepare('SELECT m.account_id, m.ring_id, r.score FROM rings r JOIN ring_members m ON m.ring_id = r.id WHERE r.run_id = ? ORDER BY r.rank LIMIT ?'),
    things: db.prepare('SELECT t.ring_id, t.kind, t.value FROM rings r JOIN ring_things t ON t.ring_id = r.id WHERE r.run_id = ? ORDER BY r.rank LIMIT ?'),
  };
  /**
   * Every claim asks whether its account, phone, device, identity or number run belongs to a ring
   * of the current run: three to four indexed reads a claim (~9 µs). Runs change every few minutes
   * at most, so the claim path reads a copy of the current run, and looks at the `ring_current`
   * pointer at most every SNAPSHOT_TTL_MS (a run published by another process is seen within
   * that); a run finished through this repo replaces the copy at once.
   */
  let snapshot: RunSnapshot | null = null;
  /** The run `snapshot` was made for (undefined: none yet); null snapshot with a run: too large to copy. */
  let loadedRun: string | null | undefined;
  let checkedAt = -Infinity;
  const load = (runId: string | null): RunSnapshot | null => {
    const members = new Map<string, { ringId: RingId; score: number }>();
    const things = new Map<string, RingId[]>();
    const runsBySegment = new Map<string, { ringId: RingId; value: string }[]>();
    if (runId === null) return { runId, members, things, runsBySegment };
    let rows = 0;
    for (const r of snap.members.iterate(runId, SNAPSHOT_MAX_ROWS + 1) as Iterable<{ account_id: string; ring_id: string; score: number }>) {
      if (++rows > SNAPSHOT_MAX_ROWS) return null;
      if (!members.has(r.account_id)) members.set(r.account_id, { ringId: r.ring_id as RingId, score: r.score });
    }
    for (const t of snap.things.iterate(runId, SNAPSHOT_MAX_ROWS + 1) as Iterable<{ ring_id: string; kind: string; value: string }>) {
      if (++rows > SNAPSHOT_MAX_ROWS) return null;
      const k = thingKey(t.kind, t.value);
      const list = things.get(k);
      if (list) list.push(t.ring_id as RingId);
      else things.set(k, [t.ring_id as RingId]);
      if (t.kind === 'phone_run') {
        const segment = t.value.slice(0, t.value.indexOf(':'));
        const runs = runsBySegment.get(segment);
        const entry = { ringId: t.ring_id as RingId, value: t.value };
        if (runs) runs.push(entry);
        else runsBySegment.set(segment, [entry]);
      }
    }
    return { runId, members, things, runsBySegment };
  };
  /** The copy of the current run, or null when it is too large to copy (then: SQL). */
  const current = (): RunSnapshot | null => {
    const now = performance.now();
    if (loadedRun !== undefined && now - checkedAt < SNAPSHOT_TTL_MS) return snapshot;
    checkedAt = now;
    const runId = (s.current.get() as string | null) ?? null;
    if (runId !== loadedRun) {
      snapshot = load(runId);
      loadedRun = runId;
    }
    return snapshot;
  };

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
      loadedRun = undefined;
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
      const c = current();
      if (c) return c.members.get(accountId) ?? null;
      const r = s.membership.get(accountId) as { ring_id: string; score: number } | undefined;
      return r ? { ringId: r.ring_id as RingId, score: r.score } : null;
    },
    linked: async (things) => {
      const c = current();
      return things.flatMap(({ kind, value }) =>
        (c ? (c.things.get(thingKey(kind, value)) ?? []) : (s.linked.all(kind, value) as RingId[])).map((ringId) => ({ ringId, kind: kind as ThingKind, value })),
      );
    },
    phoneRunsIn: async (segment) => {
      const c = current();
      if (c) return c.runsBySegment.get(segment) ?? [];
      return (s.runsIn.all(`${segment}:`, `${segment};`) as { ring_id: string; value: string }[]).map((r) => ({ ringId: r.ring_id as RingId, value: r.value }));
    },
  };
}
