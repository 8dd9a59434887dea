import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacCodeSigner } from '../../adapters/node/crypto.js';
import type { BatchId, CampaignId, CodeId } from '../shared/ids.js';
import { encodeClaimCode, MAX_CODE_LENGTH, verifyClaimCode, type CodePayload } from './claim-code.js';

const CAMPAIGN = 'cmp_01HZX3K9V7Q2W8E4R6T1Y5C3A0' as CampaignId;
const OTHER_CAMPAIGN = 'cmp_01HZX3K9V7Q2W8E4R6T1Y5C3A1' as CampaignId;
const EXPIRES = Date.parse('2019-01-20T00:00:00Z');
const NOW = Date.parse('2019-01-19T12:00:00Z');

const payload = (over: Partial<CodePayload> = {}): CodePayload => ({
  keyId: 'k1',
  campaignId: CAMPAIGN,
  batchId: 'bat_01HZX3K9V7Q2W8E4R6T1Y5C3A0' as BatchId,
  codeId: 'cod_01HZX3K9V7Q2W8E4R6T1Y5C3A0' as CodeId,
  useLimit: 1,
  expiresAt: EXPIRES,
  nonce: 'n0nce-abc',
  ...over,
});

const signer = hmacCodeSigner({ k1: 'platform-secret' }, 'k1');
const expectFor = (over: Partial<{ campaignId: CampaignId; now: number }> = {}) => ({
  campaignId: CAMPAIGN,
  now: NOW,
  ...over,
});
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
const parts = (code: string) => code.split('.') as [string, string, string];

describe('claim code encode / verify', () => {
  it('round-trips every field (expiry at whole-second precision)', () => {
    const p = payload({ expiresAt: EXPIRES + 999, useLimit: 7 });
    const code = encodeClaimCode(p, signer);
    expect(code).toMatch(/^CG1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyClaimCode(code, signer, expectFor())).toEqual({
      ok: true,
      payload: { ...p, expiresAt: EXPIRES },
    });
  });

  it('tolerates surrounding whitespace from a scanner', () => {
    expect(verifyClaimCode(`  ${encodeClaimCode(payload(), signer)}\n`, signer, expectFor()).ok).toBe(true);
  });

  it('refuses a code signed with another secret under the same key id (forged)', () => {
    const forger = hmacCodeSigner({ k1: 'guessed-secret' }, 'k1');
    expect(verifyClaimCode(encodeClaimCode(payload(), forger), signer, expectFor())).toEqual({
      ok: false,
      reason: 'CODE_FORGED',
    });
  });

  it.each(['k9', '__proto__', 'constructor', 'toString', ''])(
    'refuses a code naming the unknown key id %j (forged)',
    (keyId) => {
      const forger = hmacCodeSigner({ [keyId]: 'x' }, keyId);
      expect(verifyClaimCode(encodeClaimCode(payload({ keyId }), forger), signer, expectFor())).toEqual({
        ok: false,
        reason: 'CODE_FORGED',
      });
    },
  );

  it('refuses a real code whose payload was edited (campaign, use limit, expiry) with the original signature', () => {
    const [prefix, body, sig] = parts(encodeClaimCode(payload(), signer));
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const edit of [{ c: OTHER_CAMPAIGN }, { u: 1000 }, { e: (decoded.e as number) + 86_400 }]) {
      const tampered = `${prefix}.${b64({ ...decoded, ...edit })}.${sig}`;
      const other = 'c' in edit ? { campaignId: OTHER_CAMPAIGN } : {};
      expect(verifyClaimCode(tampered, signer, expectFor(other))).toEqual({
        ok: false,
        reason: 'CODE_FORGED',
      });
    }
  });

  it('checks the signature before the campaign and the expiry, so a forgery learns nothing', () => {
    const forger = hmacCodeSigner({ k1: 'guessed' }, 'k1');
    const forged = encodeClaimCode(payload({ campaignId: OTHER_CAMPAIGN, expiresAt: NOW - 10_000 }), forger);
    expect(verifyClaimCode(forged, signer, expectFor())).toEqual({ ok: false, reason: 'CODE_FORGED' });
  });

  it('reports a genuine code of another campaign as such', () => {
    expect(
      verifyClaimCode(encodeClaimCode(payload(), signer), signer, expectFor({ campaignId: OTHER_CAMPAIGN })),
    ).toEqual({
      ok: false,
      reason: 'CODE_WRONG_CAMPAIGN',
    });
  });

  it('expires at the encoded second, not a millisecond later', () => {
    const code = encodeClaimCode(payload(), signer);
    expect(verifyClaimCode(code, signer, expectFor({ now: EXPIRES - 1 })).ok).toBe(true);
    expect(verifyClaimCode(code, signer, expectFor({ now: EXPIRES }))).toEqual({
      ok: false,
      reason: 'CODE_EXPIRED',
    });
  });

  it('keeps verifying codes of a rotated-out key while signing with the new one', () => {
    const old = hmacCodeSigner({ k0: 'old-secret' }, 'k0');
    const rotated = hmacCodeSigner({ k0: 'old-secret', k1: 'new-secret' }, 'k1');
    const oldCode = encodeClaimCode(payload({ keyId: 'k0' }), old);
    expect(verifyClaimCode(oldCode, rotated, expectFor()).ok).toBe(true);
    expect(rotated.keyId).toBe('k1');
    // A code claiming to be from k0 but signed with k1's secret is still a forgery.
    const mixed = encodeClaimCode(payload({ keyId: 'k0' }), hmacCodeSigner({ k0: 'new-secret' }, 'k0'));
    expect(verifyClaimCode(mixed, rotated, expectFor())).toEqual({ ok: false, reason: 'CODE_FORGED' });
  });

  const good = encodeClaimCode(payload(), signer);
  const [, goodBody, goodSig] = parts(good);
  it.each([
    ['empty', ''],
    ['garbage', 'garbage'],
    ['wrong prefix', `XX1.${goodBody}.${goodSig}`],
    ['lower-case prefix', `cg1.${goodBody}.${goodSig}`],
    ['no signature', `CG1.${goodBody}`],
    ['four parts', `CG1.${goodBody}.${goodSig}.x`],
    ['empty payload', `CG1..${goodSig}`],
    ['empty signature', `CG1.${goodBody}.`],
    ['base64 (not url) characters', `CG1.${goodBody}+/.${goodSig}`],
    ['payload is a JSON string', `CG1.${b64('not an object')}.${goodSig}`],
    ['payload is not JSON', `CG1.${Buffer.from('{not json').toString('base64url')}.${goodSig}`],
    [
      'ids of the wrong shape',
      `CG1.${b64({ k: 'k1', c: 'cmp_x', b: 'bat_x', i: 'cod_x', u: 1, e: 1, n: 'n' })}.${goodSig}`,
    ],
    [
      'use limit 0',
      `CG1.${b64({ k: 'k1', c: CAMPAIGN, b: payload().batchId, i: payload().codeId, u: 0, e: 1, n: 'n' })}.${goodSig}`,
    ],
    [
      'fractional expiry',
      `CG1.${b64({ k: 'k1', c: CAMPAIGN, b: payload().batchId, i: payload().codeId, u: 1, e: 1.5, n: 'n' })}.${goodSig}`,
    ],
    ['too long', `${good}${'A'.repeat(MAX_CODE_LENGTH)}`],
  ])('refuses a code with %s as malformed', (_what, text) => {
    expect(verifyClaimCode(text, signer, expectFor())).toEqual({ ok: false, reason: 'CODE_MALFORMED' });
  });

  it('never accepts an edited payload', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(fc.nat(goodBody.length - 1), fc.constantFrom(...alphabet), (pos, ch) => {
        fc.pre(goodBody[pos] !== ch);
        const body = goodBody.slice(0, pos) + ch + goodBody.slice(pos + 1);
        expect(verifyClaimCode(`CG1.${body}.${goodSig}`, signer, expectFor()).ok).toBe(false);
      }),
      { seed: 5, numRuns: 2_000 },
    );
  });

  it('never throws and never accepts arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.tuple(fc.base64String(), fc.base64String()).map(([a, b]) => `CG1.${a}.${b}`),
          fc.jsonValue().map((v) => `CG1.${b64(v)}.${goodSig}`),
          fc
            .record({
              k: fc.string(),
              c: fc.constant(CAMPAIGN),
              b: fc.constant(payload().batchId),
              i: fc.constant(payload().codeId),
              u: fc.jsonValue(),
              e: fc.jsonValue(),
              n: fc.jsonValue(),
            })
            .map((o) => `CG1.${b64(o)}.${goodSig}`),
        ),
        (text) => {
          expect(verifyClaimCode(text, signer, expectFor()).ok).toBe(false);
        },
      ),
      { seed: 55, numRuns: 500 },
    );
  });

  it('accepts exactly the issued text: no other signature spelling verifies (no malleability)', () => {
    // HMAC-SHA256 is 32 bytes = 43 base64url characters; the last one carries 2 unused bits.
    // A lenient decoder maps four different final characters to the same bytes, so the same
    // code would have four valid spellings (and four different fingerprints).
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const accepted = [...alphabet]
      .map((ch) => `CG1.${goodBody}.${goodSig.slice(0, -1)}${ch}`)
      .filter((text) => verifyClaimCode(text, signer, expectFor()).ok);
    expect(accepted).toEqual([good]);
  });
});
