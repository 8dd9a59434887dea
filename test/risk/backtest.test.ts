/**
 * A backtest over a recorded run reports the same decisions the live engine made with the same
 * policy; a draft policy's differences are reported claim by claim.
 */
import { afterEach, expect, it } from 'vitest';
import { MemoryCounters } from '../../src/adapters/memory/counters.js';
import { DEFAULT_POLICY } from '../../src/core/risk/default-policy.js';
import { runBacktest } from '../../src/core/risk/run-backtest.js';
import { riskSystem, type RiskSystem } from './risk-helpers.js';
import { recordMixedRun } from './mixed-run.js';

let s: RiskSystem;
afterEach(async () => s?.close());

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
