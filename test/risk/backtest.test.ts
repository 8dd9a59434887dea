/**
 * A backtest over a recorded run reports the same decisions the live engine made with the same
 * policy; a draft policy's differences are reported claim by claim.
 */
import { afterEach, expect, it } from 'vitest';
import { MemoryCounters } from '../../src/adapters/memory/counters.js';
import { DEFAULT_POLICY } from '../../src/core/risk/default-policy.js';
import { runBacktest } from '../../src/core/risk/run-backtest.js';
import { claim, campaign, idNumber, randomPhone, riskSystem, rng, type RiskSystem } from './risk-helpers.js';

const HOUR = 3_600_000;
let s: RiskSystem;
afterEach(async () => s?.close());

/** Festival users, a SIM farm, device sharers and account events, interleaved over two hours. */
async function recordMixedRun(sys: RiskSystem) {
  const c1 = await campaign(sys);
  const c2 = await campaign(sys, { name: 'second', budget: { count: 150, moneyFen: 150 * 10_000 } });
  const r = rng(11);
  const decisions: string[] = [];
  for (let i = 0; i < 600; i++) {
    sys.clock.advance(Math.floor(r() * 12_000));
    const kind = r();
    const c = r() < 0.5 ? c1 : c2;
    if (kind < 0.1) {
      await sys.deps.store.accounts.recordEvent({ type: r() < 0.5 ? 'login' : 'purchase', accountId: `u-${Math.floor(r() * 300)}` as never, at: sys.clock.now(), phone: null, deviceId: null, ip: null, identityHash: null, identityVerified: false, amountFen: 5_000 });
      continue;
    }
    let account;
    if (kind < 0.4) {
      const n = Math.floor(r() * 200);
      account = { id: `farm-${i}`, createdAt: sys.clock.now() - HOUR, phone: `170012${String(3000 + n).padStart(5, '0')}`, deviceId: `farm-dev-${n % 9}`, ip: `203.0.113.${n % 50}`, identity: { number: idNumber(10_000 + i), verified: true } };
    } else {
      const u = Math.floor(r() * 300);
      account = { id: `u-${u}`, createdAt: sys.clock.now() - 300 * 24 * HOUR, phone: randomPhone(rng(u)), deviceId: r() < 0.05 ? 'shared-kiosk' : `dev-u-${u}`, ip: `${30 + (u % 150)}.${u % 200}.1.${u % 250}`, identity: { number: idNumber(50_000 + u), verified: true } };
    }
    decisions.push((await claim(sys, { campaignId: c.id, channel: 'app', account })).decision);
  }
  return decisions;
}

it('reproduces the live decisions with the same policy', async () => {
  s = await riskSystem();
  const decisions = await recordMixedRun(s);
  // The run exercises more than one kind of decision, so agreement is not trivial.
  expect(new Set(decisions).size).toBeGreaterThanOrEqual(3);
  const progress: number[] = [];
  const r = await runBacktest(s.deps, { version: 1, from: 0, to: s.clock.now() + 1 }, new MemoryCounters(), (n) => progress.push(n));
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value.evaluated).toBeGreaterThan(400);
  expect(r.value.changes).toEqual([]);
  expect(r.value.same).toBe(r.value.evaluated);
  expect(progress.at(-1)).toBe(r.value.claims);
});

it('reports what a draft policy would change, claim by claim', async () => {
  s = await riskSystem();
  await recordMixedRun(s);
  const draft = { thresholds: DEFAULT_POLICY.thresholds, rules: DEFAULT_POLICY.rules.filter((x) => !x.id.startsWith('segment-') && !x.id.startsWith('device-')) };
  const r = await runBacktest(s.deps, { policy: draft, from: 0, to: s.clock.now() + 1 }, new MemoryCounters());
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value.different).toBeGreaterThan(0);
  expect(r.value.changes.every((ch) => ch.recorded !== ch.backtest)).toBe(true);
  const total = Object.values(r.value.matrix).flatMap((row) => Object.values(row)).reduce((a, b) => a + b, 0);
  expect(total).toBe(r.value.evaluated);
  // Dropping the segment and device rules lets some ring claims through that the live policy stopped.
  expect(r.value.changes.some((ch) => ch.recorded !== 'allow' && ch.backtest === 'allow')).toBe(true);
});
