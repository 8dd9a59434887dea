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

export function sqliteCampaignRepo(db: SqliteDb, appendAudit: (e: AuditInput, at: number) => AuditEntry): CampaignRepo {
  const insert = db.prepare('INSERT INTO campaigns (id, state, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const get = db.prepare('SELECT * FROM campaigns WHERE id = ?');
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
    get: async (id) => {
      const r = get.get(id) as CampaignRow | undefined;
      return r ? campaignFromRow(r) : null;
    },
    list: async ({ state, limit, after }) => {
      const rows = (state ? listState.all(state, after ?? '', limit + 1) : listAll.all(after ?? '', limit + 1)) as CampaignRow[];
      const items = rows.slice(0, limit).map(campaignFromRow);
      return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
    usage: async (id) => {
      const r = get.get(id) as CampaignRow | undefined;
      return { grantedCount: r?.granted_count ?? 0, grantedFen: r?.granted_fen ?? 0 };
    },
    transition: async (id, from, to, at, audit) => transition.immediate(id, from, to, at, audit),
  };
}
