/**
 * The default policy on crafted traffic: a SIM-farm ring is stopped after its first few claims
 * with reasons naming the pattern, while a festival crowd of the same volume passes untouched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { claim, campaign, idNumber, randomPhone, riskSystem, rng, type RiskSystem } from './risk-helpers.js';

const HOUR = 3_600_000;
let s: RiskSystem;
afterEach(async () => s?.close());

describe('default policy', () => {
  it('stops a SIM farm: consecutive numbers in two segments, a dozen devices, one /24', async () => {
    s = await riskSystem();
    const c = await campaign(s);
    const segments = ['1700123', '1652841'];
    const results: Awaited<ReturnType<typeof claim>>[] = [];
    for (let i = 0; i < 300; i++) {
      s.clock.advance(700);
      const seg = segments[i % 2]!;
      const phone = seg + String(1000 + Math.floor(i / 2)).padStart(4, '0');
      results.push(
        await claim(s, {
          campaignId: c.id,
          channel: 'app',
          account: {
            id: `farm-${i}`,
            createdAt: s.clock.now() - 2 * HOUR,
            phone,
            deviceId: `farm-dev-${i % 12}`,
            ip: `203.0.113.${10 + (i % 40)}`,
            identity: { number: idNumber(500_000 + i), verified: true },
          },
        }),
      );
    }
    const stopped = (r: (typeof results)[number]) => r.decision === 'deny' || r.decision === 'challenge';
    const firstStopped = results.findIndex(stopped);
    expect(firstStopped).toBeGreaterThanOrEqual(0);
    expect(firstStopped).toBeLessThan(8);
    const afterFew = results.slice(8);
    expect(afterFew.filter(stopped).length).toBe(afterFew.length);
    const codes = new Set(results.flatMap((r) => r.reasons.map((x) => x.code)));
    expect(codes.has('SIM_FARM_SEGMENT_RUN') || codes.has('SIM_FARM_SEGMENT_RUN_LONG')).toBe(true);
    expect(codes.has('DEVICE_SHARED') || codes.has('DEVICE_FARM')).toBe(true);
    const stored = await s.deps.store.claims.get(results[100]!.claimId);
    expect(stored!.rules.length).toBeGreaterThan(0);
    expect(stored!.policyVersion).toBe('policy@1');
    expect(Object.keys(stored!.signals)).toContain('phone.segment_run');
  });

  it('lets a festival crowd of the same volume through untouched', async () => {
    s = await riskSystem();
    const c = await campaign(s);
    const r = rng(7);
    const results: Awaited<ReturnType<typeof claim>>[] = [];
    for (let i = 0; i < 300; i++) {
      s.clock.advance(700);
      const id = `fan-${i}`;
      const createdAt = s.clock.now() - (30 + Math.floor(r() * 900)) * 24 * HOUR;
      await s.deps.store.accounts.recordEvent({
        type: 'registration',
        accountId: id as never,
        at: createdAt,
        phone: null,
        deviceId: null,
        ip: null,
        identityHash: null,
        identityVerified: false,
        amountFen: null,
      });
      results.push(
        await claim(s, {
          campaignId: c.id,
          channel: r() < 0.7 ? 'app' : 'mini_program',
          account: {
            id,
            createdAt,
            phone: randomPhone(r),
            deviceId: `fan-dev-${i}`,
            // Home and mobile networks: a few share a /24, as carrier NAT does.
            ip: `${11 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 64)}.${Math.floor(r() * 256)}`,
            identity: { number: idNumber(900_000 + i), verified: true },
          },
        }),
      );
    }
    expect(results.filter((x) => x.decision !== 'allow')).toEqual([]);
  });
});
