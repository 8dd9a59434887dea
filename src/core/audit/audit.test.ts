import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../adapters/node/crypto.js';
import {
  auditHash,
  canonicalJson,
  GENESIS_HASH,
  verifyAuditChain,
  type AuditEntry,
  type AuditInput,
} from './audit.js';

/** Builds a chain the way the store appends it. */
function chain(inputs: readonly AuditInput[], t0 = 1_547_899_200_000): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = GENESIS_HASH;
  inputs.forEach((e, i) => {
    const base = { ...e, seq: i + 1, at: t0 + i * 1000 };
    const hash = auditHash(sha256, prev, base);
    out.push({ ...base, prevHash: prev, hash });
    prev = hash;
  });
  return out;
}

const INPUTS: AuditInput[] = [
  {
    actor: 'key_A',
    action: 'campaign.create',
    target: 'cmp_1',
    details: { name: 'TV guests', budget: { count: 200, moneyFen: 2_000_000 } },
  },
  { actor: 'key_A', action: 'codes.issue', target: 'bat_1', details: { count: 200 } },
  {
    actor: 'key_B',
    action: 'campaign.pause',
    target: 'cmp_1',
    details: { note: 'leak on Weibo', from: 'active', to: 'paused' },
  },
  { actor: 'key_B', action: 'codes.revoke', target: 'bat_1', details: {} },
  { actor: 'key_A', action: 'campaign.resume', target: 'cmp_1', details: { from: 'paused', to: 'active' } },
];

describe('audit hash chain', () => {
  it('verifies an intact chain and counts it; an empty chain is intact', () => {
    expect(verifyAuditChain(sha256, chain(INPUTS))).toEqual({ ok: true, count: 5 });
    expect(verifyAuditChain(sha256, [])).toEqual({ ok: true, count: 0 });
  });

  it.each([
    ['details', (e: AuditEntry) => ({ ...e, details: { ...e.details, count: 2000 } })],
    ['actor', (e: AuditEntry) => ({ ...e, actor: 'key_Z' })],
    ['action', (e: AuditEntry) => ({ ...e, action: 'codes.issue.test' })],
    ['target', (e: AuditEntry) => ({ ...e, target: 'bat_2' })],
    ['time', (e: AuditEntry) => ({ ...e, at: e.at + 1 })],
  ])('detects an edited %s at the edited entry', (_field, edit) => {
    const c = chain(INPUTS);
    c[1] = edit(c[1]!);
    expect(verifyAuditChain(sha256, c)).toMatchObject({ ok: false, seq: 2 });
  });

  it('detects an edit whose own hash was recomputed, at the next entry', () => {
    const c = chain(INPUTS);
    const edited = { ...c[2]!, details: { note: 'routine' } };
    c[2] = { ...edited, hash: auditHash(sha256, edited.prevHash, edited) };
    expect(verifyAuditChain(sha256, c)).toMatchObject({
      ok: false,
      seq: 4,
      problem: 'previous hash does not match',
    });
  });

  it('detects a deleted entry', () => {
    const c = chain(INPUTS);
    c.splice(2, 1);
    expect(verifyAuditChain(sha256, c)).toMatchObject({ ok: false, seq: 4 });
    expect(verifyAuditChain(sha256, chain(INPUTS).slice(1))).toMatchObject({ ok: false, seq: 2 });
  });

  it('detects a deleted entry even when the later ones are renumbered', () => {
    const c = chain(INPUTS);
    c.splice(2, 1);
    const renumbered = c.map((e, i) => ({ ...e, seq: i + 1 }));
    expect(verifyAuditChain(sha256, renumbered)).toMatchObject({ ok: false, seq: 3 });
  });

  it('detects reordered entries', () => {
    const c = chain(INPUTS);
    [c[1], c[3]] = [c[3]!, c[1]!];
    expect(verifyAuditChain(sha256, c)).toMatchObject({ ok: false, seq: 4 });
    const renumbered = c.map((e, i) => ({ ...e, seq: i + 1 }));
    expect(verifyAuditChain(sha256, renumbered)).toMatchObject({ ok: false, seq: 2 });
  });

  it('detects an inserted entry', () => {
    const c = chain(INPUTS);
    const forged = { ...c[1]!, action: 'codes.issue', details: { count: 10 } };
    c.splice(2, 0, forged);
    expect(verifyAuditChain(sha256, c).ok).toBe(false);
  });

  it('detects a chain that does not start at the genesis hash', () => {
    const c = chain(INPUTS);
    c[0] = { ...c[0]!, prevHash: 'f'.repeat(64) };
    expect(verifyAuditChain(sha256, c)).toMatchObject({ ok: false, seq: 1 });
  });
});

describe('canonical JSON', () => {
  it('does not depend on key order, and drops undefined members like JSON does', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(canonicalJson([undefined])).toBe('[null]');
    expect(JSON.parse(canonicalJson({ z: 'é\u0000"', a: [true, 1.5] }))).toEqual({
      z: 'é\u0000"',
      a: [true, 1.5],
    });
  });

  it('spells every value exactly as the first implementation did (audit hashes already written depend on it)', () => {
    // The original, kept as the reference: entries hashed before the rewrite must still verify.
    const reference = (v: unknown): string => {
      if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
      if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
      const o = v as Record<string, unknown>;
      return `{${Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${reference(o[k])}`)
        .join(',')}}`;
    };
    const value = fc.letrec((tie) => ({
      any: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), fc.constant(undefined), fc.array(tie('any')), fc.dictionary(fc.string(), tie('any'))),
    })).any;
    fc.assert(fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }), { numRuns: 2000 });
  });
});
