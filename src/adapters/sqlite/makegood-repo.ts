import type { AuditEntry, AuditInput } from '../../core/audit/audit.js';
import { couponValidTo, perPhoneLimit, couponTypeOf } from '../../core/campaigns/campaign.js';
import { campaignClosedReason } from '../../core/claims/claim.js';
import { faceValue } from '../../core/campaigns/template.js';
import { addCounts, type JobTicket } from '../../core/jobs/job.js';
import { MAKEGOOD_REASON, type Makegood, type MakegoodId, type Population, type Recipient, type RecipientState } from '../../core/makegood/makegood.js';
import type { IncidentId } from '../../core/incidents/incident.js';
import type { CampaignId } from '../../core/shared/ids.js';
import type { GrantIds, MakegoodRepo } from '../../ports/makegoods.js';
import { campaignFromRow, type CampaignRow } from './campaign-repo.js';
import { pausedScope } from './claim-repo.js';
import type { SqliteDb } from './database.js';
import type { JobCheckpoint } from './job-repo.js';

interface MakegoodRow {
  id: string;
  name: string;
  campaign_id: string;
  budget_fen: number;
  issued_count: number;
  issued_fen: number;
  body: string;
  created_at: number;
  created_by: string;
  updated_at: number;
}

interface MakegoodBody {
  population: Population;
  excludeIncidents: IncidentId[];
  includeSweptIn: boolean;
  note: string;
}

const makegoodFromRow = (r: MakegoodRow): Makegood => {
  const b = JSON.parse(r.body) as MakegoodBody;
  return {
    id: r.id as MakegoodId,
    name: r.name,
    campaignId: r.campaign_id as CampaignId,
    budgetFen: r.budget_fen,
    issuedCount: r.issued_count,
    issuedFen: r.issued_fen,
    population: b.population,
    excludeIncidents: b.excludeIncidents,
    includeSweptIn: b.includeSweptIn,
    note: b.note,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
};

interface RecipientRow {
  seq: number;
  account_id: string;
  state: string;
  coupon_id: string | null;
  at: number | null;
}

const recipientFromRow = (r: RecipientRow): Recipient => ({ seq: r.seq, accountId: r.account_id, state: r.state as RecipientState, couponId: r.coupon_id, at: r.at });

export function sqliteMakegoodRepo(db: SqliteDb, appendAudit: (e: AuditInput, at: number) => AuditEntry, checkpoint: JobCheckpoint): MakegoodRepo {
  const s = {
    insert: db.prepare(
      'INSERT INTO makegoods (id, name, campaign_id, budget_fen, issued_count, issued_fen, body, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?, ?)',
    ),
    addRecipient: db.prepare("INSERT OR IGNORE INTO makegood_recipients (makegood_id, seq, account_id, state, coupon_id, at) VALUES (?, ?, ?, 'pending', NULL, NULL)"),
    get: db.prepare('SELECT * FROM makegoods WHERE id = ?'),
    list: db.prepare('SELECT * FROM makegoods WHERE id > ? ORDER BY id LIMIT ?'),
    counts: db.prepare('SELECT state, count(*) AS n FROM makegood_recipients WHERE makegood_id = ? GROUP BY state'),
    page: db.prepare('SELECT seq, account_id, state, coupon_id, at FROM makegood_recipients WHERE makegood_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    pageOf: db.prepare('SELECT seq, account_id, state, coupon_id, at FROM makegood_recipients WHERE makegood_id = ? AND state = ? AND seq > ? ORDER BY seq LIMIT ?'),
    maxRowid: db.prepare('SELECT coalesce(max(rowid), 0) FROM orders').pluck(),
    maxSeq: db.prepare('SELECT coalesce(max(seq), 0) FROM makegood_recipients WHERE makegood_id = ?').pluck(),
    recipientCount: db.prepare('SELECT count(*) FROM makegood_recipients WHERE makegood_id = ?').pluck(),
    select: db.prepare(
      `INSERT OR IGNORE INTO makegood_recipients (makegood_id, seq, account_id, state, coupon_id, at)
       SELECT @mg, @base + row_number() OVER (ORDER BY first), account_id, 'pending', NULL, NULL FROM (
         SELECT o.account_id, min(o.rowid) AS first FROM orders o
         WHERE o.rowid > @lo AND o.rowid <= @hi AND o.at >= @from AND o.at < @to AND o.status != 'rejected'
         GROUP BY o.account_id)`,
    ),
    walk: db.prepare('SELECT seq, account_id, state, coupon_id, at FROM makegood_recipients WHERE makegood_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    job: db.prepare('SELECT actor, done, total, counts FROM jobs WHERE id = ?'),
    campaign: db.prepare('SELECT * FROM campaigns WHERE id = ?'),
    ringMember: db.prepare("SELECT 1 FROM incident_accounts WHERE incident_id = ? AND account_id = ? AND class = 'ring_member'"),
    classOf: db.prepare('SELECT class FROM incident_accounts WHERE incident_id = ? AND account_id = ?').pluck(),
    involved: db.prepare('SELECT 1 FROM orders o JOIN incident_orders m ON m.order_id = o.id WHERE o.account_id = ? AND m.incident_id = ? LIMIT 1'),
    counter: db.prepare('SELECT n FROM claim_counters WHERE campaign_id = ? AND kind = ? AND key = ?').pluck(),
    // An account's grants of a campaign are its coupons of that campaign (coupons are never deleted;
    // revoked ones still count): read through the index instead of keeping a counter row per account.
    accountGrants: db.prepare('SELECT count(*) FROM coupons INDEXED BY coupons_account WHERE account_id = ? AND campaign_id = ?').pluck(),
    bump: db.prepare(
      'INSERT INTO claim_counters (campaign_id, kind, key, n) VALUES (?, ?, ?, 1) ON CONFLICT (campaign_id, kind, key) DO UPDATE SET n = n + 1',
    ),
    identities: db.prepare('SELECT identity_hash FROM account_identities WHERE account_id = ?').pluck(),
    // The same indexed walk as the claim path (claim-repo.ts): an identity's accounts, then their coupons.
    identityGrants: db
      .prepare(
        'SELECT count(*) FROM account_identities ai CROSS JOIN coupons c INDEXED BY coupons_account ON c.account_id = ai.account_id AND c.campaign_id = ? WHERE ai.identity_hash = ?',
      )
      .pluck(),
    phone: db.prepare('SELECT phone FROM accounts WHERE id = ?').pluck(),
    paused: pausedScope(db),
    claim: db.prepare(
      `INSERT INTO claims (id, at, campaign_id, channel, account_id, phone, device_id, ip, identity_hash, code_id, batch_id, code_fp,
         decision, reasons, policy_version, rules, signals, coupon_id, challenge_id, face_value_fen)
       VALUES (?, ?, ?, 'api', ?, ?, NULL, NULL, NULL, NULL, NULL, NULL, 'allow', ?, ?, '[]', '{}', ?, NULL, ?)`,
    ),
    coupon: db.prepare(
      `INSERT INTO coupons (id, campaign_id, account_id, claim_id, face_value_fen, status, valid_from, valid_to, granted_at, order_id, updated_at)
       VALUES (?, ?, ?, ?, ?, 'available', ?, ?, ?, NULL, ?)`,
    ),
    spend: db.prepare('UPDATE campaigns SET granted_count = granted_count + 1, granted_fen = granted_fen + ? WHERE id = ?'),
    spendMakegood: db.prepare('UPDATE makegoods SET issued_count = issued_count + 1, issued_fen = issued_fen + ?, updated_at = ? WHERE id = ?'),
    setRecipient: db.prepare('UPDATE makegood_recipients SET state = ?, coupon_id = ?, at = ? WHERE makegood_id = ? AND seq = ?'),
  };

  const create = db.transaction((m: Makegood, accounts: readonly string[], audit: AuditInput) => {
    const body: MakegoodBody = { population: m.population, excludeIncidents: [...m.excludeIncidents], includeSweptIn: m.includeSweptIn, note: m.note };
    s.insert.run(m.id, m.name, m.campaignId, m.budgetFen, JSON.stringify(body), m.createdAt, m.createdBy, m.updatedAt);
    let seq = 0;
    for (const a of accounts) if (s.addRecipient.run(m.id, seq + 1, a).changes) seq++;
    appendAudit(audit, m.createdAt);
  });

  const jobState = (t: JobTicket) => s.job.get(t.jobId) as { actor: string; done: number; total: number | null; counts: string };
  const makegoodOf = (id: MakegoodId) => {
    const r = s.get.get(id) as MakegoodRow | undefined;
    if (!r) throw new Error(`make-good ${id} vanished during a job`);
    return { row: r, m: makegoodFromRow(r) };
  };

  const select = db.transaction((t: JobTicket, id: MakegoodId, limit: number) => {
    const { m } = makegoodOf(id);
    const job = jobState(t);
    const counts = JSON.parse(job.counts) as Record<string, number>;
    if (m.population.kind !== 'active') {
      return checkpoint.advance(t, { cursor: null, phase: 'issue', done: 0, total: s.recipientCount.get(id) as number, counts, finished: false }, null);
    }
    const lo = t.cursor ? Number(t.cursor) : 0;
    const max = s.maxRowid.get() as number;
    const hi = Math.min(lo + limit, max);
    const found = hi > lo ? s.select.run({ mg: id, base: s.maxSeq.get(id) as number, lo, hi, from: m.population.from, to: m.population.to }).changes : 0;
    const next = addCounts(counts, { scanned: hi - lo, selected: found });
    if (hi < max) return checkpoint.advance(t, { cursor: String(hi), phase: 'select', done: hi, total: max, counts: next, finished: false }, null);
    return checkpoint.advance(t, { cursor: null, phase: 'issue', done: 0, total: s.recipientCount.get(id) as number, counts: next, finished: false }, null);
  });

  /** Why an account gets nothing from this make-good, or null when it may get one. */
  function refusal(m: Makegood, account: string, campaignId: string, limits: { perAccount: number; perIdentity: number; perPhone: number }): RecipientState | null {
    for (const inc of m.excludeIncidents) {
      if (s.ringMember.get(inc, account)) return 'excluded';
      if (s.involved.get(account, inc) && !(m.includeSweptIn && s.classOf.get(inc, account) === 'swept_in')) return 'excluded';
    }
    if ((s.accountGrants.get(account, campaignId) as number) >= limits.perAccount) return 'limit_reached';
    const ids = s.identities.all(account) as string[];
    if (ids.some((h) => (s.identityGrants.get(campaignId, h) as number) >= limits.perIdentity)) return 'limit_reached';
    const phone = s.phone.get(account) as string | null | undefined;
    if (phone && ((s.counter.get(campaignId, 'phone', phone) as number | undefined) ?? 0) >= limits.perPhone) return 'limit_reached';
    return null;
  }

  const issue = db.transaction((t: JobTicket, id: MakegoodId, grants: readonly GrantIds[], finishAudit: AuditInput) => {
    const { m } = makegoodOf(id);
    const job = jobState(t);
    const crow = s.campaign.get(m.campaignId) as CampaignRow | undefined;
    if (!crow) throw new Error(`campaign ${m.campaignId} vanished during a make-good`);
    const c = campaignFromRow(crow);
    // A paused or ended campaign grants nothing, make-goods included: the job fails here and
    // resumes from this checkpoint once the campaign is active again.
    const closed = campaignClosedReason(c, t.at);
    if (closed) throw new Error(`campaign ${c.id} cannot grant now: ${closed.message}`);
    // So does one whose coupon type (or the api channel make-goods grant through) the circuit
    // breaker or an operator paused: the same check as a claim's, in the same transaction.
    const paused = s.paused.get(couponTypeOf(c), 'api') as 'type' | 'channel' | undefined;
    if (paused) throw new Error(`campaign ${c.id} cannot grant now: its ${paused === 'type' ? `coupon type ${couponTypeOf(c)}` : 'channel api'} is paused`);
    const face = faceValue(c.template.discount);
    const validTo = couponValidTo(c, t.at);
    const limits = { perAccount: c.limits.perAccount, perIdentity: c.limits.perIdentity, perPhone: perPhoneLimit(c) };
    let budgetLeft = m.budgetFen - m.issuedFen;
    let campaignCount = crow.granted_count;
    let campaignFen = crow.granted_fen;
    const rows = s.walk.all(id, t.cursor ? Number(t.cursor) : 0, grants.length) as RecipientRow[];
    const tally: Record<string, number> = {};
    let last = t.cursor;
    let walked = 0;
    let stopped = false;
    for (const [i, r] of rows.entries()) {
      if (r.state === 'pending') {
        const why = refusal(m, r.account_id, m.campaignId, limits);
        if (why) {
          s.setRecipient.run(why, null, t.at, id, r.seq);
          tally[why] = (tally[why] ?? 0) + 1;
        } else {
          if (face > budgetLeft || campaignCount + 1 > c.budget.count || campaignFen + face > c.budget.moneyFen) {
            // The budget cannot pay this one: stop here; the rest stay pending.
            stopped = true;
            break;
          }
          const g = grants[i]!;
          const phone = s.phone.get(r.account_id) as string | null | undefined;
          s.claim.run(g.claimId, t.at, m.campaignId, r.account_id, phone ?? null, JSON.stringify([{ code: MAKEGOOD_REASON, message: `Make-good ${m.id}: ${m.name}` }]), `makegood@${m.id}`, g.couponId, face);
          s.coupon.run(g.couponId, m.campaignId, r.account_id, g.claimId, face, t.at, validTo, t.at, t.at);
          if (phone) s.bump.run(m.campaignId, 'phone', phone);
          s.spend.run(face, m.campaignId);
          s.spendMakegood.run(face, t.at, id);
          s.setRecipient.run('issued', g.couponId, t.at, id, r.seq);
          budgetLeft -= face;
          campaignCount++;
          campaignFen += face;
          tally.issued = (tally.issued ?? 0) + 1;
          tally.issuedFen = (tally.issuedFen ?? 0) + face;
        }
      } else {
        tally.alreadyDone = (tally.alreadyDone ?? 0) + 1;
      }
      last = String(r.seq);
      walked++;
    }
    if (stopped) tally.stoppedAtBudget = 1;
    const finished = stopped || rows.length < grants.length;
    const counts = addCounts(JSON.parse(job.counts) as Record<string, number>, tally);
    return checkpoint.advance(t, { cursor: last, phase: 'issue', done: job.done + walked, total: job.total, counts, finished }, finishAudit);
  });

  return {
    create: async (m, accounts, audit) => create.immediate(m, accounts, audit),
    get: async (id) => {
      const r = s.get.get(id) as MakegoodRow | undefined;
      return r ? makegoodFromRow(r) : null;
    },
    list: async ({ limit, after }) => {
      const rows = s.list.all(after ?? '', limit + 1) as MakegoodRow[];
      const items = rows.slice(0, limit).map(makegoodFromRow);
      return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
    recipientCounts: async (id) => Object.fromEntries((s.counts.all(id) as { state: RecipientState; n: number }[]).map((r) => [r.state, r.n])),
    recipients: async (id, { limit, afterSeq, state }) => {
      const rows = (state ? s.pageOf.all(id, state, afterSeq ?? 0, limit + 1) : s.page.all(id, afterSeq ?? 0, limit + 1)) as RecipientRow[];
      const items = rows.slice(0, limit).map(recipientFromRow);
      return { items, next: rows.length > limit ? (items.at(-1)?.seq ?? null) : null };
    },
    selectBatch: async (t, id, limit) => checkpoint.guard(() => select.immediate(t, id, limit)),
    issueBatch: async (t, id, grants, finishAudit) => checkpoint.guard(() => issue.immediate(t, id, grants, finishAudit)),
  };
}
