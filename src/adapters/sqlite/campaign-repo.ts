import type { Campaign, CampaignState } from '../../core/campaigns/campaign.js';
import type { CampaignId } from '../../core/shared/ids.js';
import type { AuditInput, AuditEntry } from '../../core/audit/audit.js';
import type { CampaignRepo } from '../../ports/store.js';
import type { SqliteDb } from './database.js';

export interface CampaignRow {
  id: string;
  state: string;
  body: string;
  created_at: number;
  updated_at: number;
  granted_count: number;
  granted_fen: number;
}

/** The body column holds everything but the mutable fields, which have their own columns. */
export const campaignFromRow = (r: CampaignRow): Campaign => ({
  ...(JSON.parse(r.body) as Omit<Campaign, 'state' | 'updatedAt'>),
  state: r.state as CampaignState,
  updatedAt: r.updated_at,
});

/**
 * Reads campaigns by id, parsing each body once. A campaign's body never changes after it is
 * created, and its state changes only with its `updated_at`: the read still goes to the row (so a
 * pause made by another process or connection is seen at once), but it fetches the two mutable
 * columns and the budget counters, and builds a new object only when the state has moved. Every
 * claim reads its campaign on the serving thread and again inside its transaction; parsing the
 * body each time was ~10 µs a claim.
 */
export interface CampaignRead {
  /** Shared between reads while the campaign's state stays the same: never mutate it. */
  readonly campaign: Campaign;
  readonly grantedCount: number;
  readonly grantedFen: number;
}

export function campaignReader(db: SqliteDb): (id: string) => CampaignRead | null {
  const head = db.prepare('SELECT state, updated_at, granted_count, granted_fen FROM campaigns WHERE id = ?');
  const body = db.prepare('SELECT body FROM campaigns WHERE id = ?').pluck();
  const cache = new Map<string, { state: string; updatedAt: number; campaign: Campaign }>();
  return (id) => {
    const h = head.get(id) as Pick<CampaignRow, 'state' | 'updated_at' | 'granted_count' | 'granted_fen'> | undefined;
    if (!h) {
      cache.delete(id);
      return null;
    }
    let c = cache.get(id);
    if (!c || c.state !== h.state || c.updatedAt !== h.updated_at) {
      const b = body.get(id) as string;
      c = { state: h.state, updatedAt: h.updated_at, campaign: campaignFromRow({ ...h, id, body: b, created_at: 0 }) };
      if (cache.size >= 10_000) cache.clear();
      cache.set(id, c);
    }
    return { campaign: c.campaign, grantedCount: h.granted_count, grantedFen: h.granted_fen };
  };
}

export function sqliteCampaignRepo(db: SqliteDb, appendAudit: (e: AuditInput, at: number) => AuditEntry): CampaignRepo {
  const insert = db.prepare('INSERT INTO campaigns (id, state, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const get = db.prepare('SELECT * FROM campaigns WHERE id = ?');
  const read = campaignReader(db);
  const listAll = db.prepare('SELECT * FROM campaigns WHERE id > ? ORDER BY id LIMIT ?');
  const listState = db.prepare('SELECT * FROM campaigns WHERE state = ? AND id > ? ORDER BY id LIMIT ?');
  const setState = db.prepare('UPDATE campaigns SET state = ?, updated_at = ? WHERE id = ?');

  const create = db.transaction((c: Campaign, audit: AuditInput) => {
    const { state, updatedAt: _u, ...body } = c;
    insert.run(c.id, state, JSON.stringify(body), c.createdAt, c.updatedAt);
    appendAudit(audit, c.createdAt);
  });
  const transition = db.transaction(
    (id: CampaignId, from: readonly CampaignState[], to: CampaignState, at: number, audit: AuditInput) => {
      const row = get.get(id) as CampaignRow | undefined;
      if (!row) return { changed: false, campaign: null };
      if (!from.includes(row.state as CampaignState)) return { changed: false, campaign: campaignFromRow(row) };
      setState.run(to, at, id);
      appendAudit({ ...audit, details: { ...audit.details, from: row.state, to } }, at);
      return { changed: true, campaign: campaignFromRow(get.get(id) as CampaignRow) };
    },
  );

  return {
    create: async (c, audit) => create.immediate(c, audit),
    get: async (id) => read(id)?.campaign ?? null,
    list: async ({ state, limit, after }) => {
      const rows = (state ? listState.all(state, after ?? '', limit + 1) : listAll.all(after ?? '', limit + 1)) as CampaignRow[];
      const items = rows.slice(0, limit).map(campaignFromRow);
      return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
    usage: async (id) => {
      const r = read(id);
      return { grantedCount: r?.grantedCount ?? 0, grantedFen: r?.grantedFen ?? 0 };
    },
    transition: async (id, from, to, at, audit) => transition.immediate(id, from, to, at, audit),
  };
}
