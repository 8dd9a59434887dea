/**
 * Identity limits and personal data (invariants 1 and 8): one real-name identity gets its limit
 * across every account tied to it, however it is written or linked; the resident id itself is
 * never stored, only its keyed hash; phone numbers are compared in one normal form.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hmacHasher, sha256 } from '../src/adapters/node/crypto.js';
import type { SqliteDb } from '../src/adapters/sqlite/index.js';
import { canonicalJson } from '../src/core/audit/audit.js';
import type { Campaign } from '../src/core/campaigns/campaign.js';
import { makeResidentId, residentIdCheckChar } from '../src/core/identity/resident-id.js';
import type { Store } from '../src/ports/store.js';
import { account, makeCampaign, testSystem, type TestSystem } from './helpers.js';

interface ClaimAnswer {
  claimId: string;
  decision: string;
  couponId?: string;
  reasons: { code: string }[];
}

/** The worked example of GB 11643; its first 17 characters are what must never appear in clear. */
const RESIDENT_ID = '11010519491231002X';
const RESIDENT_BODY = RESIDENT_ID.slice(0, 17);
/** A number with a correct check character, so that only its other parts can be wrong. */
const withCheck = (first17: string) => first17 + residentIdCheckChar(first17);

const dbOf = (s: TestSystem): SqliteDb => (s.deps.store as Store & { readonly db: SqliteDb }).db;
const changes = (s: TestSystem) => dbOf(s).prepare('SELECT total_changes()').pluck().get() as number;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
let idem = 0;

async function claim(s: TestSystem, campaignId: string, acct: Record<string, unknown>) {
  return s.app.inject({
    method: 'POST',
    url: '/v1/claims',
    headers: { ...bearer(s.keys.client), 'idempotency-key': `id-${idem++}` },
    payload: { campaignId, channel: 'app', account: acct },
  });
}
async function decision(
  s: TestSystem,
  campaignId: string,
  acct: Record<string, unknown>,
): Promise<ClaimAnswer> {
  const r = await claim(s, campaignId, acct);
  expect(r.statusCode, r.body).toBe(200);
  return r.json<ClaimAnswer>();
}
async function event(s: TestSystem, body: Record<string, unknown>) {
  return s.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(s.keys.client), payload: body });
}
const couponsFor = (s: TestSystem, campaignId: string, accountIds: readonly string[]) =>
  dbOf(s)
    .prepare(
      `SELECT count(*) FROM coupons WHERE campaign_id = ? AND account_id IN (${accountIds.map(() => '?').join(',')})`,
    )
    .pluck()
    .get(campaignId, ...accountIds) as number;

/** Every text value in every table, with where it was found. */
function allText(db: SqliteDb): { where: string; value: string }[] {
  const out: { where: string; value: string }[] = [];
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  for (const t of tables)
    for (const row of db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[])
      for (const [col, v] of Object.entries(row)) {
        if (typeof v === 'string') out.push({ where: `${t}.${col}`, value: v });
        else if (Buffer.isBuffer(v)) out.push({ where: `${t}.${col}`, value: v.toString('latin1') });
      }
  return out;
}

describe('identity limits and personal data', () => {
  let dir: string;
  let s: TestSystem;
  let campaign: Campaign;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'couponguard-identity-'));
    s = await testSystem({ dbPath: join(dir, 'couponguard.db') });
    campaign = await makeCampaign(s, { limits: { perIdentity: 1, perAccount: 1 } });
  });
  afterEach(async () => {
    await s.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('three accounts sharing one resident id get one coupon between them (as given, lower-case x, linked earlier by an event)', async () => {
    const a = { ...account(), identity: { number: RESIDENT_ID, verified: true } };
    const b = { ...account(), identity: { number: RESIDENT_ID.toLowerCase(), verified: false } };
    const c = account();
    const linked = await event(s, {
      type: 'verification',
      accountId: c.id,
      identity: { number: RESIDENT_ID, verified: true },
    });
    expect(linked.statusCode).toBe(202);
    const { identity: _dropped, ...cWithoutIdentity } = c;

    expect((await decision(s, campaign.id, a)).decision).toBe('allow');
    expect((await decision(s, campaign.id, b)).reasons[0]!.code).toBe('IDENTITY_LIMIT_REACHED');
    expect((await decision(s, campaign.id, cWithoutIdentity)).reasons[0]!.code).toBe(
      'IDENTITY_LIMIT_REACHED',
    );
    expect(couponsFor(s, campaign.id, [a.id, b.id, c.id])).toBe(1);
    // A different person is not affected.
    expect((await decision(s, campaign.id, account())).decision).toBe('allow');
  });

  it('the link counts whichever account claims first', async () => {
    const c = account();
    await event(s, {
      type: 'registration',
      accountId: c.id,
      identity: { number: RESIDENT_ID, verified: true },
    });
    const { identity: _dropped, ...cWithoutIdentity } = c;
    expect((await decision(s, campaign.id, cWithoutIdentity)).decision).toBe('allow');
    const a = { ...account(), identity: { number: RESIDENT_ID, verified: true } };
    expect((await decision(s, campaign.id, a)).reasons[0]!.code).toBe('IDENTITY_LIMIT_REACHED');
    expect(couponsFor(s, campaign.id, [a.id, c.id])).toBe(1);
  });

  it('an identity linked to an account after its grant still counts that grant', async () => {
    // The limit is per identity "across every account tied to it" (CampaignLimits.perIdentity).
    const { identity: _dropped, ...early } = account();
    expect((await decision(s, campaign.id, early)).decision).toBe('allow');
    await event(s, {
      type: 'verification',
      accountId: early.id,
      identity: { number: RESIDENT_ID, verified: true },
    });
    const later = { ...account(), identity: { number: RESIDENT_ID, verified: true } };
    const a = await decision(s, campaign.id, later);
    expect(a.reasons[0]!.code, 'the identity already has a coupon through the first account').toBe(
      'IDENTITY_LIMIT_REACHED',
    );
    expect(couponsFor(s, campaign.id, [early.id, later.id])).toBe(1);
  });

  it('a verified identity is required where the campaign says so', async () => {
    const strict = await makeCampaign(s, { requireVerifiedIdentity: true });
    const { identity: _dropped, ...anonymous } = account();
    expect((await decision(s, strict.id, anonymous)).reasons.map((r) => r.code)).toContain(
      'IDENTITY_REQUIRED',
    );
    const unverified = {
      ...account(),
      identity: { number: makeResidentId('310101', '19800101', 7), verified: false },
    };
    expect((await decision(s, strict.id, unverified)).reasons.map((r) => r.code)).toContain(
      'IDENTITY_NOT_VERIFIED',
    );
    expect((await decision(s, strict.id, account())).decision).toBe('allow');
  });

  it('stores the resident id only as its keyed hash: not in any table, not in the file, not in the WAL', async () => {
    const a = { ...account(), identity: { number: RESIDENT_ID, verified: true } };
    await decision(s, campaign.id, a);
    await decision(s, campaign.id, {
      ...account(),
      identity: { number: RESIDENT_ID.toLowerCase(), verified: true },
    });
    await event(s, {
      type: 'verification',
      accountId: 'u-linked',
      identity: { number: RESIDENT_ID, verified: true },
    });
    await event(s, {
      type: 'registration',
      accountId: 'u-reg',
      phone: '13800138000',
      identity: { number: RESIDENT_ID, verified: false },
    });

    const leaks = allText(dbOf(s)).filter((t) => t.value.includes(RESIDENT_BODY));
    expect(leaks).toEqual([]);
    const files = readdirSync(dir).filter((f) => f.startsWith('couponguard.db'));
    expect(files).toContain('couponguard.db-wal');
    for (const f of files) {
      const bytes = readFileSync(join(dir, f));
      expect(bytes.includes(Buffer.from(RESIDENT_BODY, 'utf8')), f).toBe(false);
      expect(bytes.includes(Buffer.from(RESIDENT_BODY, 'utf16le')), f).toBe(false);
    }

    // What is stored is the HMAC under the server's PII key — not a plain, enumerable hash.
    const keyed = hmacHasher(s.config.piiSecret).hash('identity', RESIDENT_ID);
    const stored = dbOf(s).prepare('SELECT DISTINCT identity_hash FROM account_identities').pluck().all();
    expect(stored).toEqual([keyed]);
    expect(dbOf(s).prepare('SELECT identity_hash FROM claims WHERE account_id = ?').pluck().get(a.id)).toBe(
      keyed,
    );
    const plain = [sha256(RESIDENT_ID), sha256(`identity:${RESIDENT_ID}`), sha256(RESIDENT_ID.toLowerCase())];
    expect(allText(dbOf(s)).filter((t) => plain.some((h) => t.value.includes(h)))).toEqual([]);
  });

  it('the resident id cannot be recovered by enumerating candidates against anything stored without the PII key', async () => {
    // The attacker has a copy of the database and the source, not the PII key. Resident ids are a
    // small space (region × birth date × sequence); here we even hand them the region and date.
    const acct = {
      id: 'u-victim',
      phone: '13800138000',
      deviceId: 'dev-victim',
      ip: '203.0.113.7',
      identity: { number: RESIDENT_ID, verified: true },
    };
    await decision(s, campaign.id, acct);
    const db = dbOf(s);
    const row = db.prepare('SELECT * FROM claims WHERE account_id = ?').get(acct.id) as Record<
      string,
      string
    >;
    const storedHashes = new Set(
      allText(db)
        .map((t) => t.value)
        .filter((v) => /^[0-9a-f]{64}$/.test(v)),
    );
    const candidates = Array.from({ length: 1000 }, (_, seq) => makeResidentId('110105', '19491231', seq));
    expect(candidates).toContain(RESIDENT_ID);

    const recovered = candidates.filter((number) =>
      [true, false].some((verified) => {
        // Rebuilt from the clear columns of the claim row alone.
        const request = {
          campaignId: row.campaign_id,
          channel: row.channel,
          account: {
            id: row.account_id,
            phone: row.phone,
            deviceId: row.device_id,
            ip: row.ip,
            identity: { number, verified },
          },
        };
        return storedHashes.has(sha256(canonicalJson(request)));
      }),
    );
    expect(
      recovered,
      'an unkeyed hash over the request (idempotency.request_hash) confirms the resident id',
    ).toEqual([]);
  });

  it.each([
    ['a wrong check character', '110105194912310021'],
    ['February 30', withCheck('11010519490230002')],
    ['month 13', withCheck('11010519491301002')],
    ['17 digits', '11010519491231002'],
    ['a letter inside', '1101051949123100AX'],
    ['a leading zero', '01010519491231002X'],
  ])(
    'an identity number with %s is a 400 on claims and events, and records nothing',
    async (_name, number) => {
      const before = changes(s);
      const r1 = await claim(s, campaign.id, { ...account(), identity: { number, verified: true } });
      const r2 = await event(s, {
        type: 'verification',
        accountId: 'u-bad',
        identity: { number, verified: true },
      });
      for (const r of [r1, r2]) {
        expect(r.statusCode, r.body).toBe(400);
        expect(Object.keys(r.json<object>()).sort()).toEqual(['code', 'message', 'requestId']);
      }
      expect(changes(s)).toBe(before);
    },
  );

  it('phone numbers written with +86, 0086, 86, spaces or dashes hit the same phone limit', async () => {
    const c = await makeCampaign(s, { limits: { perIdentity: 5, perAccount: 1, perPhone: 1 } });
    const forms = [
      '13800138000',
      '+86 138 0013 8000',
      '0086-138-0013-8000',
      '86 13800138000',
      '+8613800138000',
      '138 0013 8000',
    ];
    const answers = [];
    for (const phone of forms) answers.push(await decision(s, c.id, { ...account(), phone }));
    expect(answers.map((a) => a.decision)).toEqual(['allow', 'deny', 'deny', 'deny', 'deny', 'deny']);
    expect(answers.slice(1).map((a) => a.reasons[0]!.code)).toEqual(Array(5).fill('PHONE_LIMIT_REACHED'));
    expect(
      dbOf(s).prepare('SELECT DISTINCT phone FROM claims WHERE campaign_id = ?').pluck().all(c.id),
    ).toEqual(['13800138000']);
    // Another number is its own.
    expect((await decision(s, c.id, { ...account(), phone: '+86 139 0013 8000' })).decision).toBe('allow');
  });

  it('without perPhone, the phone limit is the identity limit', async () => {
    const c = await makeCampaign(s, { limits: { perIdentity: 2, perAccount: 1 } });
    const forms = ['13700137000', '+86 137 0013 7000', '0086 137 0013 7000'];
    const answers = [];
    for (const phone of forms) answers.push(await decision(s, c.id, { ...account(), phone }));
    expect(answers.map((a) => a.reasons[0]!.code)).toEqual(['GRANTED', 'GRANTED', 'PHONE_LIMIT_REACHED']);
  });

  it('a phone that is not a Chinese mobile number is a 400 and records nothing', async () => {
    for (const phone of [
      '12800138000',
      '+1 415 555 0100',
      '1380013800',
      '138001380000',
      '+86 138 0013 800x',
    ]) {
      const before = changes(s);
      const r = await claim(s, campaign.id, { ...account(), phone });
      expect(r.statusCode, phone).toBe(400);
      expect(changes(s)).toBe(before);
    }
  });
});
