/**
 * Invariant 5 through the HTTP API: every kind of bad claim code is denied with its own reason,
 * recorded for later explanation, and never grants; QR images of codes are for operators only.
 */
import QRCode from 'qrcode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hmacCodeSigner } from '../src/adapters/node/crypto.js';
import type { SqliteDb } from '../src/adapters/sqlite/index.js';
import type { Campaign } from '../src/core/campaigns/campaign.js';
import { encodeClaimCode } from '../src/core/codes/claim-code.js';
import type { BatchId, CodeId } from '../src/core/shared/ids.js';
import type { Role, Store } from '../src/ports/store.js';
import {
  account,
  HOUR,
  lockedCampaignInput,
  makeCampaign,
  T0,
  testSystem,
  type TestSystem,
} from './helpers.js';

interface ClaimAnswer {
  claimId: string;
  decision: string;
  couponId?: string;
  reasons: { code: string; message: string }[];
}
interface IssuedBatch {
  batch: {
    id: string;
    campaignId: string;
    count: number;
    useLimit: number;
    expiresAt: string;
    revokedAt: string | null;
  };
  codes: { codeId: string; text: string }[];
}

const dbOf = (s: TestSystem): SqliteDb => (s.deps.store as Store & { readonly db: SqliteDb }).db;
const coupons = (s: TestSystem) => dbOf(s).prepare('SELECT count(*) FROM coupons').pluck().get() as number;
const bearer = (key: string | null): Record<string, string> =>
  key === null ? {} : { authorization: `Bearer ${key}` };
let idem = 0;

async function claim(s: TestSystem, campaignId: string, code: string | undefined, who = account()) {
  return s.app.inject({
    method: 'POST',
    url: '/v1/claims',
    headers: { ...bearer(s.keys.client), 'idempotency-key': `codes-${idem++}` },
    payload: { campaignId, channel: 'offline_event', account: who, ...(code === undefined ? {} : { code }) },
  });
}

async function denied(s: TestSystem, campaignId: string, code: string | undefined): Promise<ClaimAnswer> {
  const before = coupons(s);
  const r = await claim(s, campaignId, code);
  expect(r.statusCode, r.body).toBe(200);
  const a = r.json<ClaimAnswer>();
  expect(a.decision).toBe('deny');
  expect(a.couponId).toBeUndefined();
  expect(coupons(s)).toBe(before);
  return a;
}

async function issue(s: TestSystem, campaignId: string, over: Record<string, unknown> = {}) {
  return s.app.inject({
    method: 'POST',
    url: `/v1/campaigns/${campaignId}/code-batches`,
    headers: bearer(s.keys.operator),
    payload: {
      event: 'TV recording 2019-01-19',
      count: 5,
      useLimit: 1,
      expiresAt: new Date(T0 + 24 * HOUR).toISOString(),
      ...over,
    },
  });
}

async function issued(
  s: TestSystem,
  campaignId: string,
  over: Record<string, unknown> = {},
): Promise<IssuedBatch> {
  const r = await issue(s, campaignId, over);
  expect(r.statusCode, r.body).toBe(201);
  return r.json<IssuedBatch>();
}

const decodePayload = (text: string) =>
  JSON.parse(Buffer.from(text.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('claim codes through the API', () => {
  let s: TestSystem;
  let event: Campaign;
  let other: Campaign;
  let batch: IssuedBatch;

  beforeEach(async () => {
    s = await testSystem();
    event = await makeCampaign(s, lockedCampaignInput());
    other = await makeCampaign(s, lockedCampaignInput({ name: 'another event' }));
    batch = await issued(s, event.id);
  });
  afterEach(async () => {
    await s.shutdown();
  });

  it('issues signed codes that carry campaign, batch, code, use limit, expiry and a nonce', async () => {
    expect(batch.codes).toHaveLength(5);
    expect(batch.batch).toMatchObject({ campaignId: event.id, count: 5, useLimit: 1, revokedAt: null });
    const p = decodePayload(batch.codes[0]!.text);
    expect(p).toMatchObject({
      k: 'k1',
      c: event.id,
      b: batch.batch.id,
      i: batch.codes[0]!.codeId,
      u: 1,
      e: (T0 + 24 * HOUR) / 1000,
    });
    expect(typeof p.n).toBe('string');
    expect(new Set(batch.codes.map((c) => decodePayload(c.text).n)).size).toBe(5);
  });

  it('a valid code grants', async () => {
    const a = (await claim(s, event.id, batch.codes[0]!.text)).json<ClaimAnswer>();
    expect(a.decision).toBe('allow');
    expect(a.couponId).toMatch(/^cpn_/);
  });

  it('CODE_REQUIRED: no code at all', async () => {
    expect((await denied(s, event.id, undefined)).reasons.map((r) => r.code)).toEqual(['CODE_REQUIRED']);
  });

  it('CODE_FORGED: valid shape, signed by another key — and the real code with the same id is untouched', async () => {
    const real = batch.codes[0]!;
    const p = decodePayload(real.text);
    const forger = hmacCodeSigner({ k1: 'a secret the attacker guessed' }, 'k1');
    const forged = encodeClaimCode(
      {
        keyId: 'k1',
        campaignId: event.id,
        batchId: batch.batch.id as BatchId,
        codeId: real.codeId as CodeId,
        useLimit: 1000,
        expiresAt: T0 + 24 * HOUR,
        nonce: p.n as string,
      },
      forger,
    );
    const a = await denied(s, event.id, forged);
    expect(a.reasons.map((r) => r.code)).toEqual(['CODE_FORGED']);
    // The forgery is recorded with the fingerprint of its text, not tied to the real code.
    const rec = (
      await s.app.inject({ method: 'GET', url: `/v1/claims/${a.claimId}`, headers: bearer(s.keys.auditor) })
    ).json<Record<string, unknown>>();
    expect(rec).toMatchObject({ decision: 'deny', codeId: null, codeFingerprint: s.deps.sha256(forged) });
    // Unknown key id: also a forgery.
    const unknownKey = encodeClaimCode(
      {
        keyId: 'k7',
        campaignId: event.id,
        batchId: batch.batch.id as BatchId,
        codeId: real.codeId as CodeId,
        useLimit: 1,
        expiresAt: T0 + HOUR,
        nonce: 'n',
      },
      hmacCodeSigner({ k7: 'x' }, 'k7'),
    );
    expect((await denied(s, event.id, unknownKey)).reasons[0]!.code).toBe('CODE_FORGED');
    expect((await claim(s, event.id, real.text)).json<ClaimAnswer>().decision).toBe('allow');
  });

  it('CODE_FORGED: a real code whose payload names another campaign', async () => {
    const [prefix, , sig] = batch.codes[1]!.text.split('.');
    const payload = { ...decodePayload(batch.codes[1]!.text), c: other.id };
    const tampered = `${prefix}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    expect((await denied(s, other.id, tampered)).reasons.map((r) => r.code)).toEqual(['CODE_FORGED']);
    expect((await denied(s, event.id, tampered)).reasons.map((r) => r.code)).toEqual(['CODE_FORGED']);
  });

  it.each([
    ['garbage', 'hello'],
    ['a wrong prefix', (t: string) => `CG2${t.slice(3)}`],
    ['a missing signature', (t: string) => t.split('.').slice(0, 2).join('.')],
    [
      'a non-JSON payload',
      (t: string) => `CG1.${Buffer.from('{{{').toString('base64url')}.${t.split('.')[2]}`,
    ],
    ['unicode garbage', '券码🎟️\u0000\u202e'],
  ])('CODE_MALFORMED: %s', async (_name, make) => {
    const text = typeof make === 'string' ? make : make(batch.codes[0]!.text);
    expect((await denied(s, event.id, text)).reasons.map((r) => r.code)).toEqual(['CODE_MALFORMED']);
  });

  it('a code longer than the limit is bad input: 400, nothing recorded', async () => {
    const before = dbOf(s).prepare('SELECT total_changes()').pluck().get();
    const r = await claim(s, event.id, `${batch.codes[0]!.text}${'A'.repeat(600)}`);
    expect(r.statusCode).toBe(400);
    expect(Object.keys(r.json<object>()).sort()).toEqual(['code', 'message', 'requestId']);
    expect(dbOf(s).prepare('SELECT total_changes()').pluck().get()).toBe(before);
  });

  it('CODE_EXPIRED: past the batch expiry on the manual clock', async () => {
    const short = await issued(s, event.id, { count: 1, expiresAt: new Date(T0 + HOUR).toISOString() });
    s.clock.advance(HOUR - 1_000);
    expect((await claim(s, event.id, batch.codes[0]!.text)).json<ClaimAnswer>().decision).toBe('allow');
    s.clock.advance(1_000);
    expect((await denied(s, event.id, short.codes[0]!.text)).reasons.map((r) => r.code)).toEqual([
      'CODE_EXPIRED',
    ]);
  });

  it('codes never outlive the campaign: expiry is clipped to its end', async () => {
    const long = await issued(s, event.id, {
      count: 1,
      expiresAt: new Date(event.endsAt + 30 * 24 * HOUR).toISOString(),
    });
    expect(Date.parse(long.batch.expiresAt)).toBe(event.endsAt);
  });

  it('CODE_WRONG_CAMPAIGN: a genuine code of another campaign', async () => {
    const theirs = await issued(s, other.id, { count: 1 });
    expect((await denied(s, event.id, theirs.codes[0]!.text)).reasons.map((r) => r.code)).toEqual([
      'CODE_WRONG_CAMPAIGN',
    ]);
    // ...and it still works where it belongs.
    expect((await claim(s, other.id, theirs.codes[0]!.text)).json<ClaimAnswer>().decision).toBe('allow');
  });

  it('CODE_USED_UP: a single-use code used once; a three-use code used three times', async () => {
    const code = batch.codes[0]!.text;
    expect((await claim(s, event.id, code)).json<ClaimAnswer>().decision).toBe('allow');
    expect((await denied(s, event.id, code)).reasons[0]!.code).toBe('CODE_USED_UP');

    const multi = await issued(s, event.id, { count: 1, useLimit: 3 });
    for (let i = 0; i < 3; i++)
      expect((await claim(s, event.id, multi.codes[0]!.text)).json<ClaimAnswer>().decision).toBe('allow');
    expect((await denied(s, event.id, multi.codes[0]!.text)).reasons[0]!.code).toBe('CODE_USED_UP');
    const listed = await s.app.inject({
      method: 'GET',
      url: `/v1/code-batches/${multi.batch.id}/codes`,
      headers: bearer(s.keys.operator),
    });
    expect(listed.json<{ items: { uses: number; useLimit: number }[] }>().items).toEqual([
      expect.objectContaining({ uses: 3, useLimit: 3 }),
    ]);
  });

  it('CODE_REVOKED: every code of a revoked batch, and only that batch; the revocation is audited once', async () => {
    const spare = await issued(s, event.id, { count: 1 });
    const r = await s.app.inject({
      method: 'POST',
      url: `/v1/code-batches/${batch.batch.id}/revoke`,
      headers: bearer(s.keys.operator),
      payload: { note: 'codes leaked' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json<{ revokedAt: string }>().revokedAt).toBe(new Date(T0).toISOString());
    for (const c of batch.codes)
      expect((await denied(s, event.id, c.text)).reasons.map((x) => x.code)).toEqual(['CODE_REVOKED']);
    expect((await claim(s, event.id, spare.codes[0]!.text)).json<ClaimAnswer>().decision).toBe('allow');

    // Revoking again changes nothing and appends nothing.
    const again = await s.app.inject({
      method: 'POST',
      url: `/v1/code-batches/${batch.batch.id}/revoke`,
      headers: bearer(s.keys.operator),
    });
    expect(again.statusCode).toBe(200);
    const audit = (
      await s.app.inject({ method: 'GET', url: '/v1/audit?limit=999', headers: bearer(s.keys.auditor) })
    ).json<{ items: { action: string; target: string; details: Record<string, unknown> }[] }>();
    expect(audit.items.filter((e) => e.action === 'codes.revoke')).toEqual([
      expect.objectContaining({ target: batch.batch.id, details: { note: 'codes leaked' } }),
    ]);
  });

  it('only operators issue and revoke codes, and not for an ended campaign or with a past expiry', async () => {
    for (const role of ['client', 'analyst', 'auditor'] as const) {
      const r = await s.app.inject({
        method: 'POST',
        url: `/v1/campaigns/${event.id}/code-batches`,
        headers: bearer(s.keys[role]),
        payload: { event: 'x', count: 1, expiresAt: new Date(T0 + HOUR).toISOString() },
      });
      expect(r.statusCode, role).toBe(403);
      expect(
        (
          await s.app.inject({
            method: 'POST',
            url: `/v1/code-batches/${batch.batch.id}/revoke`,
            headers: bearer(s.keys[role]),
          })
        ).statusCode,
      ).toBe(403);
    }
    expect((await issue(s, event.id, { expiresAt: new Date(T0 - 1_000).toISOString() })).statusCode).toBe(
      400,
    );
    expect((await issue(s, 'cmp_00000000000000000000000000')).statusCode).toBe(404);
    await s.app.inject({
      method: 'POST',
      url: `/v1/campaigns/${event.id}/end`,
      headers: bearer(s.keys.operator),
    });
    expect((await issue(s, event.id)).statusCode).toBe(409);
  });

  describe('QR images', () => {
    const roles: readonly Role[] = ['client', 'analyst', 'auditor'];

    it('qr.png is a PNG of the code text', async () => {
      const r = await s.app.inject({
        method: 'GET',
        url: `/v1/codes/${batch.codes[0]!.codeId}/qr.png`,
        headers: bearer(s.keys.operator),
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('image/png');
      expect(r.rawPayload.subarray(0, 8)).toEqual(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      );
    });

    it('qr.svg is an SVG encoding exactly the code text', async () => {
      const code = batch.codes[2]!;
      const r = await s.app.inject({
        method: 'GET',
        url: `/v1/codes/${code.codeId}/qr.svg`,
        headers: bearer(s.keys.operator),
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(r.body).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(r.body).toBe(
        await QRCode.toString(code.text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
      );
    });

    it('needs the operator role (or admin)', async () => {
      for (const format of ['png', 'svg']) {
        const url = `/v1/codes/${batch.codes[0]!.codeId}/qr.${format}`;
        for (const role of roles) {
          const r = await s.app.inject({ method: 'GET', url, headers: bearer(s.keys[role]) });
          expect(r.statusCode, `${role} ${format}`).toBe(403);
          expect(Object.keys(r.json<object>()).sort()).toEqual(['code', 'message', 'requestId']);
        }
        expect((await s.app.inject({ method: 'GET', url })).statusCode).toBe(401);
        expect((await s.app.inject({ method: 'GET', url, headers: bearer(s.keys.admin) })).statusCode).toBe(
          200,
        );
      }
    });

    it('unknown code → 404, malformed code id → 400', async () => {
      const h = bearer(s.keys.operator);
      expect(
        (
          await s.app.inject({
            method: 'GET',
            url: '/v1/codes/cod_00000000000000000000000000/qr.png',
            headers: h,
          })
        ).statusCode,
      ).toBe(404);
      expect(
        (await s.app.inject({ method: 'GET', url: '/v1/codes/cod_nope/qr.svg', headers: h })).statusCode,
      ).toBe(400);
      expect(
        (await s.app.inject({ method: 'GET', url: `/v1/codes/${batch.batch.id}/qr.svg`, headers: h }))
          .statusCode,
      ).toBe(400);
    });
  });

  it('the code list is for operators and auditors', async () => {
    const url = `/v1/code-batches/${batch.batch.id}/codes`;
    expect((await s.app.inject({ method: 'GET', url, headers: bearer(s.keys.auditor) })).statusCode).toBe(
      200,
    );
    expect((await s.app.inject({ method: 'GET', url, headers: bearer(s.keys.client) })).statusCode).toBe(403);
    expect((await s.app.inject({ method: 'GET', url, headers: bearer(s.keys.analyst) })).statusCode).toBe(
      403,
    );
  });
});
