/**
 * Risk pressure: a slow ring that the risk engine stops claim by claim is still an attack. A steady
 * share of held, challenged or denied claims far above the scope's normal pauses a special coupon
 * type within minutes; a normal share of challenges in busy traffic, a flash sale, platform
 * refusals (limits, budget) and small counts raise nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Campaign } from '../../src/core/campaigns/campaign.js';
import { DEFAULT_PRESSURE, isPressure, normalShare } from '../../src/core/monitor/detect.js';
import { refusedForRisk } from '../../src/core/monitor/monitor.js';
import { seededRandom } from '../../src/core/shared/random.js';
import { poisson } from '../../src/sim/random.js';
import { campaignOf, claimOf, D0, DAY, Driver, HOUR, MIN, platformDenial, riskClaim, spread } from './traffic.js';

const T = D0 + 2 * DAY + 20 * HOUR;
const RISK_CODES = ['NEW_ACCOUNT_SPECIAL', 'THIN_ACCOUNT_CASH_LIKE', 'CAMPAIGN_POPULATION_SHIFT', 'DEVICE_SHARED'];

/** Everyday campaigns for two days and more, `perMinute` claims each, of which `share` challenged. */
function everyday(d: Driver, r: () => number, campaigns: readonly Campaign[], from: number, to: number, perMinute: number, share: number) {
  for (let m = from; m < to; m += MIN)
    for (const c of campaigns)
      for (const at of spread(m, poisson(r, perMinute))) d.add(r() < share ? riskClaim(at, c, 'challenge', 'NEW_ACCOUNT') : claimOf(at, c));
}

describe('risk pressure', () => {
  it('pauses a special coupon type within minutes of a slow, camouflaged ring the risk engine keeps refusing', () => {
    const r = seededRandom(21);
    const normal = Array.from({ length: 4 }, (_, i) => campaignOf(`everyday-${i}`, { couponType: `everyday-${i % 2}` }));
    // A special coupon online (members' day): a trickle of members, almost all granted.
    const vip = campaignOf('vip-online', { couponType: 'vip-100', special: true, channels: ['app'] });
    const d = new Driver([...normal, vip]);
    everyday(d, r, normal, D0, T + HOUR, 2, 0.03);
    for (let m = D0; m < T + HOUR; m += MIN) for (const at of spread(m, poisson(r, 0.3))) d.add(r() < 0.03 ? riskClaim(at, vip, 'challenge', 'NEW_ACCOUNT_SPECIAL') : claimOf(at, vip));
    // Three rings at 0.5 claims a minute each: rotating devices and IPs, scattered numbers, aged
    // accounts (claimOf gives each claim its own). The risk engine refuses 80 %, lets 20 % through.
    const ring = T + 7 * MIN + 13_000;
    for (let t = ring; t < T + HOUR; t += MIN / 1.5)
      d.add(r() < 0.8 ? riskClaim(t, vip, (['challenge', 'deny', 'hold'] as const)[Math.floor(r() * 3)]!, RISK_CODES[Math.floor(r() * 4)]) : claimOf(t, vip));
    d.run(T - 10 * MIN, T + HOUR);
    const found = d.findings.find((f) => f.rule === 'risk-pressure' && f.scope.kind === 'type');
    expect(found).toMatchObject({ scope: { value: 'vip-100' }, severity: 'critical', autoPause: true });
    expect(d.paused?.rule).toBe('risk-pressure');
    const after = (d.paused!.at - ring) / 1000;
    process.stderr.write(`slow ring (1.5 claims/min, 80 % refused) on a special type: paused after ${after} s\n`);
    // At 1.2 refusals a minute, the five or six the test needs take four to seven minutes.
    expect(after).toBeLessThanOrEqual(8 * 60);
    expect(found!.evidence.basis).toMatch(/normal share/);
    expect(found!.evidence.top.accounts.length).toBeGreaterThan(0);
    // Nothing on the everyday campaigns.
    expect(d.seen().filter((s) => s.includes('everyday'))).toEqual([]);
  });

  it('the same ring on an ordinary campaign warns, and pauses nothing', () => {
    const r = seededRandom(22);
    const c = campaignOf('ordinary', { couponType: 'ordinary' });
    const d = new Driver([c]);
    everyday(d, r, [c], D0, T + HOUR, 0.5, 0.03);
    for (let t = T; t < T + HOUR; t += MIN / 1.5) d.add(riskClaim(t, c, 'deny', 'DEVICE_SHARED'));
    d.run(T - 10 * MIN, T + 30 * MIN);
    expect(d.seen('warning')).toContain('risk-pressure campaign:ordinary');
    expect(d.seen('critical')).toEqual([]);
    expect(d.paused).toBeNull();
  });

  for (const share of [0.03, 0.05])
    it(`raises nothing in busy traffic where the usual share of claims is challenged (${share * 100} % against 3 % normally)`, () => {
      const r = seededRandom(23);
      const normal = Array.from({ length: 6 }, (_, i) => campaignOf(`everyday-${i}`, { couponType: `everyday-${i % 3}`, monitor: { autoPause: true } }));
      const d = new Driver(normal);
      everyday(d, r, normal, D0, T, 2, 0.03);
      // A busy evening: ten times the traffic.
      everyday(d, r, normal, T, T + HOUR, 20, share);
      d.run(T - 10 * MIN, T + HOUR);
      expect(d.seen().filter((s) => s.startsWith('risk-pressure'))).toEqual([]);
    });

  it('raises nothing for an announced flash sale on a new campaign whose new buyers are challenged a little more', () => {
    const r = seededRandom(24);
    const normal = Array.from({ length: 4 }, (_, i) => campaignOf(`everyday-${i}`));
    const sale = campaignOf('flash', { createdAt: T, startsAt: T, monitor: { autoPause: true, expectedSurges: [{ startsAt: T + 5 * MIN, endsAt: T + 25 * MIN, grantsPerMinute: 300 }] } });
    const d = new Driver([...normal, sale]);
    everyday(d, r, normal, D0, T + 30 * MIN, 2, 0.03);
    for (let m = T + 5 * MIN; m < T + 25 * MIN; m += MIN) for (const at of spread(m, poisson(r, 290))) d.add(r() < 0.06 ? riskClaim(at, sale, 'challenge', 'NEW_ACCOUNT') : claimOf(at, sale));
    d.run(T, T + 30 * MIN);
    expect(d.seen().filter((s) => s.startsWith('risk-pressure'))).toEqual([]);
    expect(d.paused).toBeNull();
  });

  it('does not count the platform’s own refusals (limits, budget, pauses, codes)', () => {
    const vip = campaignOf('vip', { couponType: 'vip', special: true, channels: ['app'] });
    const d = new Driver([vip]);
    for (let t = T; t < T + 20 * MIN; t += 10_000) d.add(platformDenial(t, vip, (['IDENTITY_LIMIT_REACHED', 'BUDGET_COUNT_EXHAUSTED', 'COUPON_TYPE_PAUSED', 'CODE_REQUIRED'] as const)[(t / 10_000) % 4]!));
    d.run(T, T + 20 * MIN);
    expect(d.seen().filter((s) => s.startsWith('risk-pressure'))).toEqual([]);
  });

  it('needs a sustained stream: four refusals, or five within two minutes, are not pressure', () => {
    const vip = campaignOf('vip', { couponType: 'vip', special: true, channels: ['app'] });
    const d = new Driver([vip]);
    for (let i = 0; i < 4; i++) d.add(riskClaim(T + i * 2 * MIN, vip, 'deny'));
    for (let i = 0; i < 5; i++) d.add(riskClaim(T + 30 * MIN + i * 20_000, vip, 'deny'));
    d.run(T, T + 45 * MIN);
    expect(d.seen().filter((s) => s.startsWith('risk-pressure'))).toEqual([]);
  });

  it('tells risk refusals from platform ones by the first reason, as the claim record carries them', () => {
    expect(refusedForRisk({ decision: 'challenge', reasons: [{ code: 'DEVICE_SHARED' }] })).toBe(true);
    expect(refusedForRisk({ decision: 'hold', reasons: [{ code: 'CHALLENGE_PASSED' }, { code: 'RING_MEMBER' }] })).toBe(true);
    // Denied at commit: the platform's reason comes first, the policy's after it.
    expect(refusedForRisk({ decision: 'deny', reasons: [{ code: 'BUDGET_COUNT_EXHAUSTED' }, { code: 'NEW_ACCOUNT' }] })).toBe(false);
    expect(refusedForRisk({ decision: 'deny', reasons: [{ code: 'CODE_FORGED' }] })).toBe(false);
    expect(refusedForRisk({ decision: 'allow', reasons: [{ code: 'GRANTED' }, { code: 'NEW_ACCOUNT' }] })).toBe(false);
    expect(refusedForRisk({ decision: 'deny', reason: 'IOT_NUMBER' })).toBe(true);
  });

  it('never fires when the refused share is at most the normal share (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 10 }), (n, p0, minutes) => {
        const k = Math.floor(n * p0);
        expect(isPressure({ k, n }, minutes, p0)).toBe(false);
      }),
    );
  });

  it('never fires when a scope refuses the same share in the window as in its history (property, through the monitor)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 1000 }), (perMinute, every, seed) => {
        const r = seededRandom(seed);
        const c = campaignOf('c', { couponType: 'c', special: true, channels: ['app'] });
        const d = new Driver([c]);
        // One claim in `every` refused, in the history and in the window alike.
        let i = 0;
        for (let m = T - 3 * HOUR; m < T + 20 * MIN; m += MIN) for (const at of spread(m, poisson(r, perMinute))) d.add(i++ % every === 0 ? riskClaim(at, c, 'challenge') : claimOf(at, c));
        for (let t = T + 9_999; t < T + 20 * MIN; t += 60_000) d.look(t);
        expect(d.seen().filter((s) => s.startsWith('risk-pressure'))).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });

  it('learns the normal share from the scope, on top of the platform, on top of a default', () => {
    expect(normalShare({ k: 0, n: 0 }, { k: 0, n: 0 }).share).toBeCloseTo(0.05);
    expect(normalShare({ k: 0, n: 0 }, { k: 300, n: 10_000 }).share).toBeCloseTo((200 * 0.05 + 300) / 10_200);
    expect(normalShare({ k: 100, n: 1_000 }, { k: 300, n: 10_000 }).share).toBeGreaterThan(0.09);
    expect(DEFAULT_PRESSURE.windowMinutes).toBe(10);
  });
});

describe('the binomial tail', () => {
  it('is exact against a direct sum', async () => {
    const { binomialTailNegLog } = await import('../../src/core/monitor/detect.js');
    const direct = (k: number, n: number, p: number) => {
      let s = 0;
      for (let j = k; j <= n; j++) {
        let c = 1;
        for (let i = 1; i <= j; i++) c *= (n - j + i) / i;
        s += c * p ** j * (1 - p) ** (n - j);
      }
      return -Math.log(s);
    };
    for (const [k, n, p] of [[5, 7, 0.08], [6, 9, 0.08], [30, 100, 0.1], [3, 3, 0.5], [12, 40, 0.2]] as const) expect(binomialTailNegLog(k, n, p)).toBeCloseTo(direct(k, n, p), 8);
    expect(binomialTailNegLog(2, 100, 0.05)).toBe(0);
  });
});
