/**
 * Ring membership as a risk signal: after a detection run, a policy that reads `account.ring_*`
 * denies ring members, holds accounts on a ring's devices or number runs (even ones created after
 * the run), and leaves everyone else alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/risk/default-policy.js';
import { publishPolicy } from '../../src/core/risk/use-cases.js';
import { detectRings } from '../../src/core/rings/use-cases.js';
import { HOUR } from '../helpers.js';
import { campaign, claim, idNumber, randomPhone, riskSystem, rng, type RiskSystem } from '../risk/risk-helpers.js';

let s: RiskSystem;
const r = rng(21);
const farm = (i: number) => ({ id: `farm-${i}`, phone: `1705551${String(1000 + i * 2).padStart(4, '0')}`, deviceId: `rack-${Math.floor(i / 8)}`, ip: `172.20.0.${1 + Math.floor(i / 40)}`, identity: { number: idNumber(50_000 + i), verified: true } });
const honest = (i: number) => ({ id: `h-${i}`, phone: randomPhone(r), deviceId: `own-${i}`, ip: `10.9.${i >> 8}.${i & 255}`, identity: { number: idNumber(60_000 + i), verified: true } });

beforeAll(async () => {
  s = await riskSystem();
  const c = await campaign(s, { limits: { perIdentity: 5, perAccount: 5, perPhone: 5 } });
  const c2 = await campaign(s, { limits: { perIdentity: 5, perAccount: 5, perPhone: 5 } });
  for (let i = 0; i < 400; i++) {
    s.clock.advance(30_000);
    await claim(s, { campaignId: (i % 2 ? c : c2).id, channel: 'app', account: honest(i) });
  }
  for (let i = 0; i < 60; i++) {
    s.clock.advance(5_000);
    await claim(s, { campaignId: c.id, channel: 'app', account: farm(i) });
  }
  const run = await detectRings(s.deps, { from: 0, to: s.clock.now() + 1 }, 'test');
  if (!run.ok || run.value.stats?.rings !== 1) throw new Error(`expected one ring: ${JSON.stringify(run)}`);
  const rules = [
    ...DEFAULT_POLICY.rules,
    { id: 'ring-member-deny', appliesTo: 'claim' as const, when: 'account.ring_member && account.ring_score > 0.0', action: 'deny' as const, score: 0, reason: 'RING_MEMBER', description: 'Member of a flagged ring' },
    { id: 'ring-linked-hold', appliesTo: 'claim' as const, when: '!account.ring_member && account.ring_linked', action: 'hold' as const, score: 0, reason: 'RING_LINKED', description: 'Shares a device, phone, identity or number run with a flagged ring' },
  ];
  const p = await publishPolicy(s.deps, s.deps.rules, { thresholds: DEFAULT_POLICY.thresholds, rules }, 'live', 'test', 'ring rules');
  if (!p.ok) throw new Error(p.error.message);
  await s.risk!.refresh(true);
  s.clock.advance(HOUR);
}, 60_000);
afterAll(async () => s?.close());

describe('account.ring_* signals', () => {
  it('deny a ring member, with the signals stored on the decision', async () => {
    const c = await campaign(s);
    const res = await claim(s, { campaignId: c.id, channel: 'app', account: farm(3) });
    expect(res.decision).toBe('deny');
    expect(res.reasons.map((x) => x.code)).toContain('RING_MEMBER');
    const stored = (await s.deps.store.claims.get(res.claimId))!.signals;
    expect(stored['account.ring_member']).toBe(true);
    expect(stored['account.ring_score']).toBeGreaterThan(0);
  });

  it('hold a new account that appears on a ring device after the run', async () => {
    const c = await campaign(s);
    const res = await claim(s, { campaignId: c.id, channel: 'app', account: { id: 'late-farm', deviceId: 'rack-2', phone: randomPhone(r), ip: '10.200.0.1' } });
    expect(res.reasons.map((x) => x.code)).toContain('RING_LINKED');
    expect((await s.deps.store.claims.get(res.claimId))!.signals['account.ring_linked']).toBe(true);
  });

  it('hold a new account whose number falls inside the ring’s number run', async () => {
    const c = await campaign(s);
    const res = await claim(s, { campaignId: c.id, channel: 'app', account: { id: 'late-sim', phone: '17055511013', deviceId: 'fresh-device', ip: '10.200.0.2' } });
    expect(res.reasons.map((x) => x.code)).toContain('RING_LINKED');
  });

  it('leave honest accounts alone', async () => {
    const c = await campaign(s);
    const res = await claim(s, { campaignId: c.id, channel: 'app', account: honest(7) });
    expect(res.decision).toBe('allow');
    const stored = (await s.deps.store.claims.get(res.claimId))!.signals;
    expect(stored['account.ring_member']).toBe(false);
    expect(stored['account.ring_linked']).toBe(false);
  });
});
