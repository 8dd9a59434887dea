import { couponTypeOf } from '../../core/campaigns/campaign.js';
import { atomicClaimCheck, deniedAtCommit, type ClaimPlan, type ClaimRecord, type ClaimCommitOutcome } from '../../core/claims/claim.js';
import type { Decision } from '../../core/claims/policy.js';
import type { Channel } from '../../core/shared/channels.js';
import type { AccountId, BatchId, CampaignId, ClaimId, CodeId, CouponId } from '../../core/shared/ids.js';
import type { ClaimRepo } from '../../ports/store.js';
import { campaignReader } from './campaign-repo.js';
import { codeFromRow, type CodeRow } from './code-repo.js';
import type { SqliteDb } from './database.js';
import { accountStatements } from './account-repo.js';
import { applyClaimToAccount } from '../../core/accounts/apply.js';
import type { Enqueue } from './group-commit.js';
import type { ClaimWriter } from './writer-thread.js';

export interface ClaimRow {
  seq: number;
  id: string;
  at: number;
  campaign_id: string;
  channel: string;
  account_id: string;
  phone: string | null;
  device_id: string | null;
  ip: string | null;
  identity_hash: string | null;
  code_id: string | null;
  batch_id: string | null;
  code_fp: string | null;
  decision: string;
  reasons: string;
  policy_version: string;
  rules: string;
  signals: string;
  coupon_id: string | null;
  challenge_id: string | null;
  face_value_fen: number;
  account_created_at: number | null;
  identity_verified: number;
  shadow: string | null;
}

interface ChallengeRow {
  id: string;
  claim_id: string;
  request_hash: string;
  difficulty: number;
  expires_at: number;
  used_by: string | null;
}

export const claimFromRow = (r: ClaimRow): ClaimRecord => ({
  id: r.id as ClaimId,
  at: r.at,
  campaignId: r.campaign_id as CampaignId,
  channel: r.channel as Channel,
  accountId: r.account_id as AccountId,
  phone: r.phone,
  deviceId: r.device_id,
  ip: r.ip,
  identityHash: r.identity_hash,
  codeId: r.code_id as CodeId | null,
  batchId: r.batch_id as BatchId | null,
  codeFingerprint: r.code_fp,
  decision: r.decision as Decision,
  reasons: JSON.parse(r.reasons) as ClaimRecord['reasons'],
  policyVersion: r.policy_version,
  rules: JSON.parse(r.rules) as ClaimRecord['rules'],
  signals: JSON.parse(r.signals) as ClaimRecord['signals'],
  couponId: r.coupon_id as CouponId | null,
  challengeId: r.challenge_id,
  faceValueFen: r.face_value_fen,
  accountCreatedAt: r.account_created_at,
  identityVerified: r.identity_verified === 1,
  shadow: r.shadow ? (JSON.parse(r.shadow) as ClaimRecord['shadow']) : null,
});

/**
 * Whether a coupon type (first parameter) or a channel (second) is paused: 'type', 'channel' or
 * undefined. Claims and make-goods check it inside the transaction that grants.
 */
export const pausedScope = (db: SqliteDb) =>
  db.prepare("SELECT scope_kind FROM pauses WHERE resumed_at IS NULL AND ((scope_kind = 'type' AND scope_value = ?) OR (scope_kind = 'channel' AND scope_value = ?)) LIMIT 1").pluck();

/** The claim repo's prepared statements on one connection. */
function claimStatements(db: SqliteDb) {
  const accounts = accountStatements(db);
  const s = {
    idem: db.prepare('SELECT request_hash, ref_id FROM idempotency WHERE scope = ? AND key = ?'),
    idemInsert: db.prepare('INSERT INTO idempotency (scope, key, request_hash, ref_id, created_at) VALUES (?, ?, ?, ?, ?)'),
    get: db.prepare('SELECT * FROM claims WHERE id = ?'),
    campaign: campaignReader(db),
    code: db.prepare(
      'SELECT c.*, b.revoked_at AS batch_revoked FROM codes c JOIN code_batches b ON b.id = c.batch_id WHERE c.id = ?',
    ),
    counter: db.prepare('SELECT n FROM claim_counters WHERE campaign_id = ? AND kind = ? AND key = ?').pluck(),
    // An account's grants of a campaign are its coupons of that campaign (coupons are never deleted;
    // revoked ones still count): read through the index instead of keeping a counter row per account.
    accountGrants: db.prepare('SELECT count(*) FROM coupons INDEXED BY coupons_account WHERE account_id = ? AND campaign_id = ?').pluck(),
    bump: db.prepare(
      'INSERT INTO claim_counters (campaign_id, kind, key, n) VALUES (?, ?, ?, 1) ON CONFLICT (campaign_id, kind, key) DO UPDATE SET n = n + 1',
    ),
    links: db.prepare('SELECT identity_hash FROM account_identities WHERE account_id = ?').pluck(),
    // Grants of this campaign to every account tied to an identity, whenever the tie was made.
    // CROSS JOIN fixes the loop order: the few accounts of one identity first, then their coupons
    // of this campaign by index, never a scan of the campaign's coupons.
    identityGrants: db
      .prepare(
        'SELECT count(*) FROM account_identities ai CROSS JOIN coupons c INDEXED BY coupons_account ON c.account_id = ai.account_id AND c.campaign_id = ? WHERE ai.identity_hash = ?',
      )
      .pluck(),
    link: db.prepare('INSERT OR IGNORE INTO account_identities (account_id, identity_hash, first_at) VALUES (?, ?, ?)'),
    useCode: db.prepare('UPDATE codes SET uses = uses + 1 WHERE id = ?'),
    spend: db.prepare('UPDATE campaigns SET granted_count = granted_count + 1, granted_fen = granted_fen + ? WHERE id = ?'),
    coupon: db.prepare(
      `INSERT INTO coupons (id, campaign_id, account_id, claim_id, face_value_fen, status, valid_from, valid_to, granted_at, order_id, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
    ),
    insert: db.prepare(
      `INSERT INTO claims (id, at, campaign_id, channel, account_id, phone, device_id, ip, identity_hash, code_id, batch_id, code_fp,
        decision, reasons, policy_version, rules, signals, coupon_id, challenge_id, face_value_fen, account_created_at, identity_verified, shadow)
       VALUES (@id, @at, @campaignId, @channel, @accountId, @phone, @deviceId, @ip, @identityHash, @codeId, @batchId, @codeFingerprint,
        @decision, @reasons, @policyVersion, @rules, @signals, @couponId, @challengeId, @faceValueFen, @accountCreatedAt, @identityVerified, @shadow)`,
    ),
    byCampaign: db.prepare('SELECT * FROM claims WHERE campaign_id = ? AND id > ? ORDER BY id LIMIT ?'),
    byAccount: db.prepare('SELECT * FROM claims WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?'),
    all: db.prepare('SELECT * FROM claims WHERE id > ? ORDER BY id LIMIT ?'),
    decisions: db.prepare('SELECT decision, count(*) AS n FROM claims WHERE campaign_id = ? GROUP BY decision'),
    challenge: db.prepare('SELECT * FROM challenges WHERE id = ?'),
    paused: pausedScope(db),
    countRange: db.prepare('SELECT count(*) FROM claims WHERE at >= ? AND at < ?').pluck(),
    tail: db.prepare('SELECT * FROM claims WHERE seq > ? ORDER BY seq LIMIT ?'),
    tailSummaries: db.prepare(
      'SELECT seq, at, campaign_id, channel, decision, face_value_fen, account_id, device_id, ip, phone, code_id, reasons FROM claims WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    // One scan when a monitor starts (claims have no index on time; they are appended in order).
    seqBefore: db.prepare('SELECT coalesce(min(seq), (SELECT coalesce(max(seq), 0) + 1 FROM claims)) - 1 FROM claims WHERE at >= ?').pluck(),
    challengeInsert: db.prepare('INSERT INTO challenges (id, claim_id, request_hash, difficulty, expires_at, used_by) VALUES (?, ?, ?, ?, ?, NULL)'),
    challengeUse: db.prepare('UPDATE challenges SET used_by = ? WHERE id = ? AND used_by IS NULL'),
    scan: db.prepare('SELECT * FROM claims WHERE seq > ? AND at >= ? AND at < ? ORDER BY seq LIMIT 1000'),
  };

  return { s, accounts };
}

/**
 * The claim transaction itself: a function of the connection and the plan only, so that the same
 * code runs on the serving connection (inside its group commit) or on the writer thread's own
 * connection (writer-thread.ts). Called inside an enclosing transaction it runs as a savepoint.
 */
export function claimCommitter(db: SqliteDb, statements = claimStatements(db)): (plan: ClaimPlan) => ClaimCommitOutcome {
  const { s, accounts } = statements;
  const commit = db.transaction((plan: ClaimPlan): ClaimCommitOutcome => {
    const { idempotency: idem, account } = plan;
    const seen = s.idem.get(idem.scope, idem.key) as { request_hash: string; ref_id: string } | undefined;
    if (seen) {
      if (seen.request_hash !== idem.requestHash) return { kind: 'idempotency_mismatch' };
      return { kind: 'replayed', record: claimFromRow(s.get.get(seen.ref_id) as ClaimRow) };
    }
    let record = plan.record;
    const at = record.at;
    const linked = s.links.all(account.id) as string[];
    const identities = [...new Set([...account.identityHashes, ...linked])];
    accounts.put(
      applyClaimToAccount(accounts.get(account.id), {
        accountId: account.id,
        at,
        phone: account.phone,
        identityHash: record.identityHash,
        identityVerified: account.identityVerified,
      }),
    );
    for (const h of account.identityHashes) if (!linked.includes(h)) s.link.run(account.id, h, at);

    if (plan.grant && record.couponId) {
      const read = s.campaign(record.campaignId);
      if (!read) throw new Error(`campaign ${record.campaignId} vanished during a claim`);
      const { campaign } = read;
      const codeRow = record.codeId
        ? (s.code.get(record.codeId) as (CodeRow & { batch_revoked: number | null }) | undefined)
        : undefined;
      const cid = record.campaignId;
      const why = atomicClaimCheck(plan, {
        campaign,
        usage: { grantedCount: read.grantedCount, grantedFen: read.grantedFen },
        code: codeRow ? { ...codeFromRow(codeRow), batchRevoked: codeRow.batch_revoked !== null } : null,
        accountGrants: s.accountGrants.get(account.id, cid) as number,
        identityGrants: identities.map((h) => s.identityGrants.get(cid, h) as number),
        phoneGrants: account.phone ? ((s.counter.get(cid, 'phone', account.phone) as number | undefined) ?? 0) : 0,
        scopePaused: (s.paused.get(couponTypeOf(campaign), record.channel) as 'type' | 'channel' | undefined) ?? null,
        challengeUsed: plan.answered ? (s.challenge.get(plan.answered) as ChallengeRow | undefined)?.used_by != null : false,
      });
      if (why) {
        record = deniedAtCommit(record, why);
      } else {
        if (account.phone) s.bump.run(cid, 'phone', account.phone);
        if (record.codeId) s.useCode.run(record.codeId);
        if (plan.answered) s.challengeUse.run(record.id, plan.answered);
        s.spend.run(record.faceValueFen, cid);
        s.coupon.run(
          record.couponId, cid, account.id, record.id, record.faceValueFen, plan.grant.locked ? 'locked' : 'available',
          plan.grant.validFrom, plan.grant.validTo, at, at,
        );
      }
    }
    s.insert.run({
      ...record,
      reasons: JSON.stringify(record.reasons),
      rules: JSON.stringify(record.rules),
      signals: JSON.stringify(record.signals),
      identityVerified: record.identityVerified ? 1 : 0,
      shadow: record.shadow ? JSON.stringify(record.shadow) : null,
    });
    if (plan.challenge) {
      const c = plan.challenge;
      s.challengeInsert.run(c.id, c.claimId, c.requestHash, c.difficulty, c.expiresAt);
    }
    s.idemInsert.run(idem.scope, idem.key, idem.requestHash, record.id, at);
    return { kind: 'committed', record };
  });
  return commit;
}

export interface ClaimRepoOptions {
  /**
   * Builds the writer thread claims commit on (file databases), given how to commit a plan on
   * this thread instead (its fallback); without it, claims commit in this thread's group commit.
   */
  readonly writer?: ((commitHere: (plan: ClaimPlan) => Promise<ClaimCommitOutcome>) => ClaimWriter) | null;
}

/**
 * The claim path's atomic unit on SQLite: one IMMEDIATE transaction (a write lock on the file, so
 * several processes sharing it serialize here) reads a snapshot, runs the core's pure
 * `atomicClaimCheck`, then consumes and records. Claims are group-committed, on the writer thread
 * (writer-thread.ts) or in this thread (group-commit.ts); `synchronous=FULL` (default) makes the
 * commit durable before we answer.
 */
export function sqliteClaimRepo(db: SqliteDb, enqueue: Enqueue, opts: ClaimRepoOptions = {}): ClaimRepo & { readonly writer: ClaimWriter | null } {
  const statements = claimStatements(db);
  const { s } = statements;
  const commit = claimCommitter(db, statements);
  const commitHere = (plan: ClaimPlan) => enqueue(() => commit(plan));
  const writer = opts.writer ? opts.writer(commitHere) : null;


  const page = (rows: ClaimRow[], limit: number) => {
    const items = rows.slice(0, limit).map(claimFromRow);
    return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  };

  return {
    // Nested inside the group commit's transaction, `commit` runs as a savepoint.
    writer,
    commit: (plan) => (writer ? writer.commit(plan) : commitHere(plan)),
    get: async (id) => {
      const r = s.get.get(id) as ClaimRow | undefined;
      return r ? claimFromRow(r) : null;
    },
    getChallenge: async (id) => {
      const r = s.challenge.get(id) as ChallengeRow | undefined;
      return r ? { id: r.id, claimId: r.claim_id, requestHash: r.request_hash, difficulty: r.difficulty, expiresAt: r.expires_at, usedBy: r.used_by } : null;
    },
    identityHashesOf: async (accountId) => s.links.all(accountId) as string[],
    list: async ({ campaignId, accountId, limit, after }) => {
      const a = after ?? '';
      const rows = (
        campaignId ? s.byCampaign.all(campaignId, a, limit + 1) : accountId ? s.byAccount.all(accountId, a, limit + 1) : s.all.all(a, limit + 1)
      ) as ClaimRow[];
      return page(rows, limit);
    },
    seqBefore: async (at) => s.seqBefore.get(at) as number,
    tail: async (afterSeq, limit) => (s.tail.all(afterSeq, limit) as ClaimRow[]).map((r) => ({ seq: r.seq, record: claimFromRow(r) })),
    tailSummaries: async (afterSeq, limit) =>
      (s.tailSummaries.all(afterSeq, limit) as ClaimRow[]).map((r) => ({
        seq: r.seq,
        claim: {
          at: r.at,
          campaignId: r.campaign_id as CampaignId,
          channel: r.channel as Channel,
          decision: r.decision as Decision,
          faceValueFen: r.face_value_fen,
          accountId: r.account_id as AccountId,
          deviceId: r.device_id,
          ip: r.ip,
          phone: r.phone,
          codeId: r.code_id as CodeId | null,
          reasons: JSON.parse(r.reasons) as ClaimRecord['reasons'],
        },
      })),
    countRange: async ({ from, to }) => s.countRange.get(from, to) as number,
    async *scan({ from, to }) {
      // Pages of 1,000 so a long scan never holds a read transaction open across awaits.
      let seq = 0;
      for (;;) {
        const rows = s.scan.all(seq, from, to) as ClaimRow[];
        for (const r of rows) yield claimFromRow(r);
        if (rows.length < 1000) return;
        seq = rows.at(-1)!.seq;
      }
    },
    countByDecision: async (campaignId) =>
      Object.fromEntries((s.decisions.all(campaignId) as { decision: string; n: number }[]).map((r) => [r.decision, r.n])),
  };
}
