/**
 * Issue 7's Done-means goals, asserted on small runs at several seeds (so that a pass is not one
 * lucky seed).
 *
 * Loophole runs keep the attack of the default full run (scale 10: 3 SIM farms of 1,500 accounts,
 * 100 claims/min each, one claim per account; the issue's "thousands of fresh accounts") and cut
 * the ordinary side to the scale-1 shapes (2,000 legit accounts, 300 swept-in, 1 day of history,
 * 90 min after the attack so that the swept-in wave, from 60 min, is there to classify). The ring
 * share has a fixed cost per farm segment (the first few numbers are granted or held before the
 * phone-run rules have seen the run), so it is only meaningful at the issue's farm size: with
 * rings of 150 (scale 1) it is 2.0–2.9 % depending on the seed (bench/README.md, "Replay lab").
 *
 * The attack variants are not expected to be caught: their reports are checked for honesty only
 * (`honest.ts`), and their outcomes are recorded in bench/README.md.
 */
import { describe, expect, it } from 'vitest';
import { replayPdd2019, type ReplayReport, type Variant } from '../../src/sim/index.js';
import { expectHonest } from './honest.js';

const SEEDS = [2019, 1, 2];
/** At scale 10, the ordinary side of the scale-1 run: 2,000 legit accounts (100 guests), 300 swept-in, 6 claims/min at the daily peak. */
const ORDINARY_AT_SCALE_1 = { legitAccounts: 200, guests: 10, sweptIn: 30, peakPerMinute: 0.6 };

function expectLoopholeGoals(r: ReplayReport): void {
  const m = `seed ${r.seed}: ${r.targets.map((t) => `${t.name}: ${t.detail}`).join('; ')}`;
  expect(r.detection.firstAlertAfterMs, m).not.toBeNull();
  expect(r.detection.firstAlertAfterMs!, m).toBeLessThanOrEqual(60_000);
  expect(r.detection.pauseAfterMs, m).not.toBeNull();
  expect(r.detection.pauseAfterMs!, m).toBeLessThanOrEqual(60_000);
  const ring = r.ledgers.ring;
  expect(ring.attempts, m).toBe(ring.actors);
  // Granted includes coupons issued locked until review (decision hold).
  expect((ring.grantedFen + ring.heldFen) * 50, m).toBeLessThanOrEqual(ring.attemptedFen);
  expect(r.legit.falsePositiveRate, m).toBeLessThanOrEqual(0.005);
  const c = r.classification;
  expect(c.measured, m).toBe(true);
  expect(c.sweptIn!.total, m).toBeGreaterThan(0);
  expect(c.sweptIn!.asSweptIn / c.sweptIn!.total, m).toBeGreaterThanOrEqual(0.95);
  expect(
    r.targets.map((t) => t.met),
    m,
  ).toEqual([true, true, true, true, true]);
}

describe('replay pdd-2019: the goals of issue 7', () => {
  it.each(SEEDS.map((seed) => [seed]))(
    'locked, seed %i: zero grants to rings or to anyone without a valid platform code',
    async (seed) => {
      const r = await replayPdd2019({
        seed,
        scale: 0.3,
        historyDays: 1,
        hoursAfterAttack: 1.5,
        config: 'locked',
      });
      expect(r.ledgers.ring.attempts).toBe(r.ledgers.ring.actors);
      expect(r.ledgers.ring.granted).toBe(0);
      expect(r.ledgers.swept_in.attempts).toBeGreaterThan(0);
      expect(r.ledgers.swept_in.granted).toBe(0);
      expect(r.specialGrantsWithoutValidCode).toBe(0);
      // The guests' real codes still work.
      expect(r.ledgers.legit.granted).toBeGreaterThan(0);
      expect(r.targets.every((t) => t.met === true)).toBe(true);
      expectHonest(r);
    },
    120_000,
  );

  it.each(SEEDS.map((seed) => [seed]))(
    'loophole, seed %i: alert and auto-pause within 60 s, ring face value ≤ 2 % of attempted, ≤ 0.5 % false positives, ≥ 95 % of swept-in classified',
    async (seed) => {
      const r = await replayPdd2019({
        seed,
        scale: 10,
        historyDays: 1,
        hoursAfterAttack: 1.5,
        config: 'loophole',
        shapes: ORDINARY_AT_SCALE_1,
      });
      expectLoopholeGoals(r);
      expectHonest(r);
    },
    180_000,
  );

  it.each(SEEDS.map((seed) => [seed]))(
    'flash-sale, seed %i: no pause of any scope and ≤ 0.5 % false positives',
    async (seed) => {
      const r = await replayPdd2019({
        seed,
        scale: 0.2,
        historyDays: 1,
        hoursAfterAttack: 1,
        config: 'loophole',
        variant: 'flash-sale',
      });
      expect(r.detection.pauses).toEqual([]);
      expect(r.detection.pauseAfterMs).toBeNull();
      expect(r.legit.falsePositiveRate).toBeLessThanOrEqual(0.005);
      expect(r.targets.every((t) => t.met === true)).toBe(true);
      expectHonest(r);
    },
    120_000,
  );
});

describe('replay pdd-2019: the attack variants report honestly (outcomes not asserted)', () => {
  const variants: Variant[] = ['slow-drip', 'camouflage', 'rotating', 'bought-identities', 'combined'];
  it.each(variants.map((v) => [v]))(
    '%s',
    async (variant) => {
      const r = await replayPdd2019({
        seed: 5,
        scale: 0.3,
        historyDays: 1,
        hoursAfterAttack: 1.5,
        config: 'loophole',
        variant,
      });
      expect(r.variant).toBe(variant);
      expect(r.ledgers.ring.attempts).toBeGreaterThan(0);
      expect(r.targets.map((t) => t.name)).toHaveLength(5);
      expectHonest(r);
    },
    120_000,
  );
});
