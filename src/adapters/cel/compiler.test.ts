import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../core/risk/default-policy.js';
import type { Rule } from '../../core/risk/policy-doc.js';
import type { SignalValues } from '../../core/risk/signals.js';
import { celCompiler } from './compiler.js';

const rule = (id: string, when: string): Rule => ({ id, appliesTo: 'claim', when, action: 'deny', score: 1, reason: 'R', description: 'd' });

const EXTRA = [
  rule('ternary', '(phone.virtual ? 2.0 : 1.0) * velocity.device_claims_1m >= 4.0'),
  rule('in-list', 'phone.carrier in ["virtual", "iot"] || claim.channel in ["web"]'),
  rule('strings', 'campaign.id.startsWith("cmp_") && !claim.channel.contains("offline")'),
  rule('size', 'size(phone.carrier) > 7 && account.age_hours / 24.0 < 2.0'),
  rule('negate', '-account.age_hours > -1.0 || links.device_accounts - 1.0 >= 2.0'),
  rule('int-math', 'size(claim.channel) / 2 == 1'),
];

const signals = fc.record({
  claim: fc.record({ channel: fc.constantFrom('app', 'web', 'offline_event', 'api'), has_code: fc.boolean(), challenge_passed: fc.boolean() }),
  campaign: fc.record({ id: fc.constantFrom('cmp_1', 'x'), special: fc.boolean(), locked: fc.boolean(), face_value_fen: fc.integer({ min: 0, max: 10_000 }) }),
  account: fc.record({ known: fc.boolean(), age_hours: fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 5000, noNaN: true })), verified: fc.boolean(), has_identity: fc.boolean(), purchases: fc.nat(20), purchase_fen: fc.nat(), logins: fc.nat(50) }),
  links: fc.record({ identity_accounts: fc.nat(20), phone_accounts: fc.nat(20), device_accounts: fc.nat(20), ip_accounts: fc.nat(50), ip24_accounts: fc.nat(100), target_accounts: fc.nat(10) }),
  phone: fc.record({ present: fc.boolean(), carrier: fc.constantFrom('china_mobile', 'virtual', 'iot', ''), virtual: fc.boolean(), iot: fc.boolean(), segment_run: fc.nat(30) }),
  velocity: fc.dictionary(
    fc.constantFrom('segment_accounts_10m', 'device_accounts_24h', 'device_claims_1m', 'ip_accounts_10m', 'ip24_accounts_10m', 'device_denials_1h', 'ip_denials_1h', 'code_accounts_1h', 'target_accounts_1h'),
    fc.nat(60),
  ),
}) as fc.Arbitrary<SignalValues>;

describe('CEL compiler', () => {
  it('compiled JavaScript agrees with the cel-js interpreter on random signals', () => {
    const rules = [...DEFAULT_POLICY.rules.filter((r) => r.appliesTo === 'claim'), ...EXTRA];
    const fast = celCompiler().compile(rules);
    const slow = celCompiler({ transpile: false }).compile(rules);
    fc.assert(
      fc.property(signals, (s) => {
        expect(fast.fired(s).map((r) => r.id)).toEqual(slow.fired(s).map((r) => r.id));
      }),
      { numRuns: 3_000, seed: 42 },
    );
  });

  it('refuses syntax and type errors with their position', () => {
    const c = celCompiler();
    expect(c.check(rule('a', 'velocity.device_claims_1m >= '))).toMatchObject({ ruleId: 'a', line: 1, column: 30 });
    expect(c.check(rule('b', 'account.verified &&\n  phone.carrier > 1.0'))).toMatchObject({ ruleId: 'b', line: 2, column: 3 });
    expect(c.check(rule('c', 'account.age_hours'))?.message).toMatch(/must be bool/);
    expect(c.check(rule('d', 'account.age_hours > 1.0'))).toBeNull();
  });
});
