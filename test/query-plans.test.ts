/**
 * A guard on the claim path's query plans. Once, the identity-limit check was planned as a search
 * of coupons by campaign alone — a walk over every coupon of the campaign inside each claim's
 * transaction, linear in the grants (bench/README.md, "A regression found on the way"). Dropping or
 * adding an index can silently bring that back, so every statement the claim and order repos prepare is
 * planned here, on the real engine, and a full scan or a search of coupons/claims by campaign alone
 * fails the test.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../src/adapters/node/crypto.js';
import { sqliteClaimRepo } from '../src/adapters/sqlite/claim-repo.js';
import { openSqlite, type SqliteDb } from '../src/adapters/sqlite/database.js';
import { groupCommitter } from '../src/adapters/sqlite/group-commit.js';
import { sqliteMakegoodRepo } from '../src/adapters/sqlite/makegood-repo.js';
import { sqliteOrderRepo } from '../src/adapters/sqlite/order-repo.js';
import { auditAppender } from '../src/adapters/sqlite/audit-repo.js';
import { jobCheckpoint } from '../src/adapters/sqlite/job-repo.js';
import { sqliteTraceRepo } from '../src/adapters/sqlite/trace-repo.js';

/** Statements that scan on purpose, with the reason. */
const ALLOWED_SCANS: Record<string, string> = {
  'SELECT count(*) FROM claims WHERE at >= ? AND at < ?': 'monitor start-up count over a time range (claims have no time index; rare)',
  "SELECT coalesce(min(seq), (SELECT coalesce(max(seq), 0) + 1 FROM claims)) - 1 FROM claims WHERE at >= ?": 'one scan when a monitor starts',
};

/** Every SQL text the repos prepare, captured through a recording wrapper around the connection. */
function prepared(db: SqliteDb, build: (db: SqliteDb) => unknown): string[] {
  const seen: string[] = [];
  const recording = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'prepare')
        return (sql: string) => {
          seen.push(sql);
          return target.prepare(sql);
        };
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  build(recording);
  return seen;
}

function plan(db: SqliteDb, sql: string): string[] {
  const params = (sql.match(/\?/g) ?? []).length;
  const named = [...new Set(sql.match(/@\w+/g) ?? [])];
  const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (named.length ? stmt.all(Object.fromEntries(named.map((n) => [n.slice(1), 'x']))) : stmt.all(...Array(params).fill('x'))) as { detail: string }[];
  return rows.map((r) => r.detail);
}

describe('query plans of the claim and order paths', () => {
  const db = openSqlite({ path: ':memory:' });
  const enqueue = groupCommitter(db);
  const append = auditAppender(db, sha256);
  const statements = [
    ...prepared(db, (d) => sqliteClaimRepo(d, enqueue)),
    ...prepared(db, (d) => sqliteOrderRepo(d, append, enqueue)),
    ...prepared(db, (d) => sqliteMakegoodRepo(d, append, jobCheckpoint(d, append))),
  ].filter((sql) => /^\s*(SELECT|UPDATE|DELETE|INSERT|WITH)/i.test(sql));

  it('captures the statements', () => {
    expect(statements.length).toBeGreaterThan(30);
  });

  it('no statement scans a table, and none searches coupons or claims by campaign alone inside a claim', () => {
    const bad: string[] = [];
    for (const sql of statements) {
      const key = sql.replace(/\s+/g, ' ').trim();
      if (ALLOWED_SCANS[key]) continue;
      for (const step of plan(db, sql)) {
        const scan = /^SCAN (claims|coupons|orders|accounts|account_identities|codes|idempotency|claim_counters)\b/.test(step) && !/USING (COVERING )?INDEX/.test(step);
        const byCampaignOnly = /^SEARCH (coupons|claims|c|p|cl)\b.*\(campaign_id=\?\)$/.test(step) && /account_identities|identity/.test(key);
        if (scan || byCampaignOnly) bad.push(`${step}   ←   ${key.slice(0, 140)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('traces by code and by top-up target use their indexes (no scan of claims or orders mid-incident)', () => {
    const trace = prepared(db, (d) => sqliteTraceRepo(d));
    const byCode = trace.find((q) => q.includes('FROM claims WHERE code_id = ?'))!;
    const byTarget = trace.find((q) => q.includes('FROM order_targets'))!;
    expect(plan(db, byCode)).toEqual(['SEARCH claims USING INDEX claims_code (code_id=?)']);
    expect(plan(db, byTarget).join(' | ')).toMatch(/^SEARCH t USING PRIMARY KEY \(target=\?\) \| SEARCH o USING (COVERING )?INDEX sqlite_autoindex_orders_1 \(id=\?\)/);
  });

  it('the identity-limit check walks an identity’s accounts, then their coupons by account', () => {
    const sql = statements.find((s) => s.includes('account_identities ai CROSS JOIN coupons'))!;
    expect(plan(db, sql)).toEqual([
      'SEARCH ai USING COVERING INDEX account_identities_hash (identity_hash=?)',
      'SEARCH c USING INDEX coupons_account (account_id=?)',
    ]);
  });
});
