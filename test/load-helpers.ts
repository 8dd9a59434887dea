/**
 * Helpers for the load, race, idempotency, property and durability suites: distinct accounts at
 * scale, a direct look at the ledger tables, a small HTTP client with a wide connection pool, and
 * child processes running the fixtures under `node --import tsx`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Composed } from '../src/app/compose.js';
import type { SqliteDb } from '../src/adapters/sqlite/index.js';
import { issueCodeBatch, codeText } from '../src/core/codes/use-cases.js';
import { makeResidentId } from '../src/core/identity/resident-id.js';
import type { CampaignId } from '../src/core/shared/ids.js';
import { HOUR, T0 } from './helpers.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Fixed secrets for every process of one test, passed by environment (`loadConfig` reads them),
 * so that a parent and its children hash identities and sign codes alike.
 */
export const SECRETS_ENV = {
  COUPONGUARD_PII_SECRET: 'test-pii-secret-0123456789abcdef0123456789abcdef',
  COUPONGUARD_SIGNING_KEYS: 'k1:test-signing-secret-0123456789abcdef0123456789',
  // These suites test the store's invariants with crafted, farm-like traffic (consecutive phones);
  // the risk engine has its own suites under test/risk.
  COUPONGUARD_RISK: 'off',
} as const;

/** A fresh directory for a database file; `cleanup` removes it. */
export function tempDb(name = 'cg.db'): { dir: string; path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'couponguard-'));
  return { dir, path: join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A valid resident id per `i`, distinct for every i (the helper's `account()` repeats every 1,000). */
export function identityOf(i: number): string {
  const birth = new Date(Date.UTC(1960, 0, 1 + Math.floor(i / 1000)))
    .toISOString()
    .slice(0, 10)
    .replaceAll('-', '');
  return makeResidentId('110105', birth, i % 1000);
}

/** A distinct Chinese mobile number per `i` (i < 10^9). */
export const phoneOf = (i: number): string => `13${String(i).padStart(9, '0')}`;

/** A claim's account context, distinct in id, phone, device, ip and identity per `i`. */
export function racer(i: number, prefix = 'r') {
  return {
    id: `${prefix}-${i}`,
    phone: phoneOf(i),
    deviceId: `dev-${prefix}-${i}`,
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    identity: { number: identityOf(i), verified: true },
  };
}

/** The SQLite connection behind a composed system (the embedded store exposes it as `db`). */
export function dbOf(s: Composed): SqliteDb {
  const store: object = s.deps.store;
  if (!('db' in store)) throw new Error('these suites look at the SQLite ledger directly');
  return (store as { db: SqliteDb }).db;
}

/** What the ledger tables say about one campaign, read straight from SQL. */
export interface Ledger {
  grantedCount: number;
  grantedFen: number;
  coupons: number;
  couponFen: number;
  /** Claims that carry a coupon id (allow or hold). */
  grantingClaims: number;
  allowClaims: number;
  /** Granting claims whose coupon row is missing or points at another claim, and the reverse. */
  orphanClaims: number;
  orphanCoupons: number;
  /** Codes whose `uses` differs from the claims that consumed them, or exceed their limit. */
  codeMismatches: { id: string; uses: number; useLimit: number; consumed: number }[];
  /** Most coupons held by one account, and counters that disagree with the coupons. */
  maxPerAccount: number;
  counterMismatches: { kind: string; key: string; n: number; actual: number }[];
}

export function ledger(db: SqliteDb, campaignId: CampaignId | string): Ledger {
  const one = <T>(sql: string, ...args: unknown[]) => db.prepare(sql).get(...args) as T;
  const c = one<{ granted_count: number; granted_fen: number }>(
    'SELECT granted_count, granted_fen FROM campaigns WHERE id = ?',
    campaignId,
  );
  const cp = one<{ n: number; fen: number }>(
    'SELECT count(*) AS n, coalesce(sum(face_value_fen), 0) AS fen FROM coupons WHERE campaign_id = ?',
    campaignId,
  );
  const cl = one<{ granting: number; allow: number }>(
    "SELECT count(coupon_id) AS granting, coalesce(sum(decision = 'allow'), 0) AS allow FROM claims WHERE campaign_id = ?",
    campaignId,
  );
  const orphanClaims = one<{ n: number }>(
    `SELECT count(*) AS n FROM claims c LEFT JOIN coupons p ON p.id = c.coupon_id
     WHERE c.campaign_id = ? AND c.coupon_id IS NOT NULL AND (p.id IS NULL OR p.claim_id != c.id OR p.face_value_fen != c.face_value_fen)`,
    campaignId,
  ).n;
  const orphanCoupons = one<{ n: number }>(
    `SELECT count(*) AS n FROM coupons p LEFT JOIN claims c ON c.id = p.claim_id
     WHERE p.campaign_id = ? AND (c.id IS NULL OR c.coupon_id IS NOT p.id OR c.decision NOT IN ('allow', 'hold'))`,
    campaignId,
  ).n;
  const codes = db
    .prepare(
      `SELECT k.id, k.uses, k.use_limit AS useLimit,
         (SELECT count(*) FROM claims c WHERE c.code_id = k.id AND c.coupon_id IS NOT NULL) AS consumed
       FROM codes k WHERE k.campaign_id = ?`,
    )
    .all(campaignId) as { id: string; uses: number; useLimit: number; consumed: number }[];
  const maxPerAccount = one<{ n: number | null }>(
    'SELECT max(n) AS n FROM (SELECT count(*) AS n FROM coupons WHERE campaign_id = ? GROUP BY account_id)',
    campaignId,
  ).n;
  const counters = db
    // Per-account grants are counted from coupons (no counter row); phones keep a counter.
    .prepare("SELECT kind, key, n FROM claim_counters WHERE campaign_id = ? AND kind = 'phone'")
    .all(campaignId) as {
    kind: string;
    key: string;
    n: number;
  }[];
  const perPhone = new Map(
    (
      db
        .prepare(
          'SELECT phone AS k, count(*) AS n FROM claims WHERE campaign_id = ? AND coupon_id IS NOT NULL AND phone IS NOT NULL GROUP BY phone',
        )
        .all(campaignId) as { k: string; n: number }[]
    ).map((r) => [r.k, r.n]),
  );
  const counterMismatches = counters
    .map((r) => ({ ...r, actual: perPhone.get(r.key) ?? 0 }))
    .filter((r) => r.n !== r.actual);
  const counted = new Set(counters.map((r) => `${r.kind}:${r.key}`));
  for (const [k, n] of perPhone)
    if (!counted.has(`phone:${k}`)) counterMismatches.push({ kind: 'phone', key: k, n: 0, actual: n });
  return {
    grantedCount: c.granted_count,
    grantedFen: c.granted_fen,
    coupons: cp.n,
    couponFen: cp.fen,
    grantingClaims: cl.granting,
    allowClaims: cl.allow,
    orphanClaims,
    orphanCoupons,
    codeMismatches: codes.filter((k) => k.uses !== k.consumed || k.uses > k.useLimit),
    maxPerAccount: maxPerAccount ?? 0,
    counterMismatches,
  };
}

/** Usage counters equal the coupons, every grant has its claim and coupon, code uses match. */
export function expectLedgerConsistent(db: SqliteDb, campaignId: CampaignId | string): Ledger {
  const l = ledger(db, campaignId);
  expect({ count: l.grantedCount, fen: l.grantedFen }).toEqual({ count: l.coupons, fen: l.couponFen });
  expect(l.grantingClaims).toBe(l.coupons);
  expect({ orphanClaims: l.orphanClaims, orphanCoupons: l.orphanCoupons }).toEqual({
    orphanClaims: 0,
    orphanCoupons: 0,
  });
  expect(l.codeMismatches).toEqual([]);
  expect(l.counterMismatches).toEqual([]);
  return l;
}

/** Issues one batch of codes and returns their texts. */
export async function issueCodes(
  s: Composed,
  campaignId: CampaignId,
  count: number,
  useLimit: number,
): Promise<string[]> {
  const b = await issueCodeBatch(
    s.deps,
    { campaignId, event: 'race night', count, useLimit, expiresAt: T0 + 24 * HOUR },
    'test',
  );
  if (!b.ok) throw new Error(b.error.message);
  const page = await s.deps.store.codes.listCodes(b.value.id, { limit: count });
  return page.items.map((c) => codeText(s.deps, c));
}

/** A keep-alive pool wide enough that thousands of requests are in flight at once. */
export const wideAgent = (maxSockets = 512) => new http.Agent({ keepAlive: true, maxSockets });

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** POSTs JSON over a real socket through `agent`; rejects only on transport failure. */
export function postJson(
  agent: http.Agent,
  port: number,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<HttpAnswer> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: text });
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** A fixture under test/fixtures run as `node --import tsx`, with its stdout read line by line. */
export interface Fixture {
  readonly proc: ChildProcess;
  /** Resolves with the next stdout line matching `test` (rejects if the process exits first). */
  line(test: RegExp, timeoutMs?: number): Promise<string>;
  send(line: string): void;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runFixture(name: string, args: readonly string[], env: Record<string, string>): Fixture {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fixtures', name), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const lines: string[] = [];
  const waiters: { test: RegExp; resolve(l: string): void }[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    const i = waiters.findIndex((w) => w.test.test(l));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(l);
    else lines.push(l);
  });
  const exited = once(proc, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return {
    proc,
    line: (test, timeoutMs = 30_000) => {
      const i = lines.findIndex((l) => test.test(l));
      if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no line ${test} from ${name} in ${timeoutMs} ms; stderr: ${err}`)),
          timeoutMs,
        );
        waiters.push({
          test,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then((x) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${x.code ?? x.signal}) before ${test}; stderr: ${err}`));
        });
      });
    },
    send: (l) => proc.stdin!.write(`${l}\n`),
    stderr: () => err,
    exited,
  };
}
