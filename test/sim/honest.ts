/** What every replay report must satisfy, whatever the detection did: its numbers add up. */
import { expect } from 'vitest';
import type { Ledger, ReplayReport } from '../../src/sim/index.js';

const SPECIAL_FEN = 10_000;

function ledgerAddsUp(name: string, l: Ledger, faceFen: number | null): void {
  const m = `${name} ledger`;
  expect(l.redeemedFen, m).toBe(l.fulfilledFen + l.orderHeldFen + l.frozenFen + l.pendingFen);
  expect(l.redeemedFen, m).toBeLessThanOrEqual(l.grantedFen);
  expect(l.grantedFen + l.heldFen, m).toBeLessThanOrEqual(l.attemptedFen);
  // Every attempt ends granted, denied, held, or on a challenge left unanswered.
  const ended = l.granted + l.denied + l.held;
  expect(ended, m).toBeLessThanOrEqual(l.attempts);
  expect(l.attempts - ended, m).toBeLessThanOrEqual(l.challenged);
  expect(l.solved, m).toBeLessThanOrEqual(l.challenged);
  expect(l.claimants, m).toBeLessThanOrEqual(l.actors);
  expect(l.hurt, m).toBeLessThanOrEqual(l.claimants);
  if (faceFen !== null) {
    expect(l.attemptedFen, m).toBe(l.attempts * faceFen);
    expect(l.grantedFen, m).toBe(l.granted * faceFen);
    expect(l.heldFen, m).toBe(l.held * faceFen);
  }
  const notGranted = Object.values(l.reasons).length;
  if (l.denied + l.held > 0) expect(notGranted, `${m}: refusals carry reasons`).toBeGreaterThan(0);
}

export function expectHonest(r: ReplayReport): void {
  ledgerAddsUp('ring', r.ledgers.ring, SPECIAL_FEN);
  ledgerAddsUp('swept-in', r.ledgers.swept_in, SPECIAL_FEN);
  ledgerAddsUp('legit', r.ledgers.legit, null);
  // Ring members and swept-in consumers claim once each.
  expect(r.ledgers.ring.attempts).toBe(r.ledgers.ring.claimants);
  expect(r.ledgers.swept_in.attempts).toBe(r.ledgers.swept_in.claimants);
  const L = r.ledgers.legit;
  expect(r.legit.claims).toBe(L.attempts);
  expect(r.legit.falsePositiveRate).toBeCloseTo(L.attempts ? (L.denied + L.challenged) / L.attempts : 0, 12);
  expect(r.legit.usersHurt).toBe(L.hurt);
  // The special type's chart holds exactly the special-type coupons issued after the attack began (usable or locked).
  const R = r.ledgers.ring;
  const S = r.ledgers.swept_in;
  const special = (r.series['tv-guest-100'] ?? []).reduce((a, b) => a + b, 0);
  const afterAttack = R.grantedFen + R.heldFen + S.grantedFen + S.heldFen;
  // Over HTTP the chart starts with the short window, which holds the guests' event as well.
  if (r.driver.kind === 'in-process') expect(special).toBe(afterAttack);
  else expect(special).toBeGreaterThanOrEqual(afterAttack);
  if (r.config === 'loophole')
    expect(r.specialGrantsWithoutValidCode).toBe(R.granted + R.held + S.granted + S.held);
  else expect(r.specialGrantsWithoutValidCode).toBe(0);
  expect(r.detection.pausedAt === null).toBe(r.detection.pauseAfterMs === null);
  expect(r.detection.firstAlertAt === null).toBe(r.detection.firstAlertAfterMs === null);
  const c = r.classification;
  if (c.measured && c.sweptIn && c.ring) {
    expect(c.sweptIn.asSweptIn + c.sweptIn.asRing).toBeLessThanOrEqual(c.sweptIn.total);
    expect(c.sweptIn.total).toBeLessThanOrEqual(r.ledgers.swept_in.claimants);
    expect(c.ring.total).toBeLessThanOrEqual(r.ledgers.ring.claimants);
    expect(c.ring.asRing).toBeLessThanOrEqual(c.ring.total);
  }
  for (const t of r.targets) expect([true, false, null]).toContain(t.met);
  // What the report says to a reader is what the numbers say.
  const share = R.attemptedFen ? (R.grantedFen + R.heldFen) / R.attemptedFen : 0;
  const ringTarget = r.targets.find((t) => t.name.startsWith('ring face value'));
  if (ringTarget) expect(ringTarget.met).toBe(share <= 0.02);
}
