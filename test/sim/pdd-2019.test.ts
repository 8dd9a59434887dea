/**
 * The replay lab's pdd-2019 scenario, scaled down: the locked configuration grants the rings
 * nothing; the loophole configuration's report has detection times and a money ledger that adds up.
 */
import { describe, expect, it } from 'vitest';
import { replayPdd2019, type Ledger } from '../../src/sim/index.js';

const small = { seed: 7, scale: 0.2, historyDays: 1, hoursAfterAttack: 2 };

function balanced(l: Ledger) {
  expect(l.redeemedFen).toBe(l.fulfilledFen + l.orderHeldFen + l.frozenFen + l.pendingFen);
  expect(l.redeemedFen).toBeLessThanOrEqual(l.grantedFen);
  expect(l.grantedFen).toBeLessThanOrEqual(l.attemptedFen);
  expect(l.granted + l.denied + l.held).toBeLessThanOrEqual(l.attempts);
}

describe('replay pdd-2019', () => {
  it('locked: no grant to rings nor to anyone without a valid platform code', async () => {
    const r = await replayPdd2019({ ...small, config: 'locked' });
    expect(r.ledgers.ring.attempts).toBeGreaterThan(0);
    expect(r.ledgers.ring.granted).toBe(0);
    expect(r.ledgers.swept_in.granted).toBe(0);
    expect(r.specialGrantsWithoutValidCode).toBe(0);
    // The forged QR codes are refused as forged, before anything else is looked at.
    expect(Object.keys(r.ledgers.ring.reasons)).toEqual(['CODE_FORGED']);
    expect(r.targets[0]!.met).toBe(true);
    for (const l of Object.values(r.ledgers)) balanced(l);
  }, 120_000);

  it('loophole: the report carries alert and pause times and a consistent ledger', async () => {
    const r = await replayPdd2019({ ...small, config: 'loophole' });
    expect(r.ledgers.ring.attempts).toBe(r.ledgers.ring.actors);
    expect(r.detection.firstAlertAfterMs).not.toBeNull();
    expect(r.detection.pauseAfterMs).not.toBeNull();
    expect(r.detection.pauseAfterMs!).toBeGreaterThanOrEqual(0);
    for (const l of Object.values(r.ledgers)) balanced(l);
    expect(r.targets.map((t) => t.name)).toHaveLength(5);
    expect(r.seedTimeline.alarm).toBe('09:00');
    expect(r.seedOnThisTraffic.thresholdFen).toBeGreaterThan(0);
    // Every grant to a ring is a coupon of the special type without a valid code.
    expect(r.specialGrantsWithoutValidCode).toBeGreaterThanOrEqual(r.ledgers.ring.granted);
  }, 120_000);
});
