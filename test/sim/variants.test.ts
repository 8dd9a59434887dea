/**
 * The replay lab's variants (issue 7). The flash sale is a Done-means goal: a legitimate surge,
 * announced to the monitor at its start time, causes no pause and ≤ 0.5 % false positives. The
 * attack variants are checked for their ground truth (what each one changes); their results are
 * reported, not asserted (bench/README.md, "Replay lab").
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, pdd2019, replayPdd2019 } from '../../src/sim/index.js';

const small = { seed: 11, scale: 0.2, historyDays: 1, hoursAfterAttack: 1 };
const s24 = (ip: string) => ip.split('.').slice(0, 3).join('.');

describe('replay pdd-2019 variants', () => {
  it('flash-sale: an announced legitimate surge is not paused and hurts ≤ 0.5 % of legit claims', async () => {
    const r = await replayPdd2019({ ...small, config: 'loophole', variant: 'flash-sale' });
    expect(r.variant).toBe('flash-sale');
    expect(r.ledgers.ring.attempts).toBe(0);
    expect(r.ledgers.swept_in.attempts).toBe(0);
    // The surge happened: at least the flash participants claimed, on top of the everyday claims.
    expect(r.ledgers.legit.attempts).toBeGreaterThan(pdd2019({ ...small, variant: 'flash-sale' }).flash.length);
    expect(r.detection.pauses).toEqual([]);
    expect(r.detection.pauseAfterMs).toBeNull();
    expect(r.legit.falsePositiveRate).toBeLessThanOrEqual(0.005);
    expect(r.targets.every((t) => t.met === true)).toBe(true);
  }, 120_000);

  it('the attack variants change one thing each about the rings', () => {
    const p = { ...DEFAULT_PARAMS, scale: 0.2 };
    const base = pdd2019(p).rings.flat();
    const rotating = pdd2019({ ...p, variant: 'rotating' }).rings.flat();
    expect(new Set(rotating.map((a) => a.deviceId)).size).toBe(rotating.length);
    expect(new Set(rotating.map((a) => s24(a.ip))).size).toBeGreaterThan(rotating.length * 0.9);
    expect(rotating.map((a) => a.phone)).toEqual(base.map((a) => a.phone));
    const bought = pdd2019({ ...p, variant: 'bought-identities' }).rings.flat();
    const segments = new Set(bought.map((a) => a.phone.slice(0, 7)));
    expect(segments.size).toBeGreaterThan(bought.length * 0.9);
    expect(bought.map((a) => a.deviceId)).toEqual(base.map((a) => a.deviceId));
    const camo = pdd2019({ ...p, variant: 'camouflage' });
    expect(Math.max(...camo.rings.flat().map((a) => a.createdAt))).toBeLessThanOrEqual(camo.attackStart - 20 * 86_400_000);
    const all = pdd2019({ ...p, variant: 'combined' }).rings.flat();
    expect(new Set(all.map((a) => a.deviceId)).size).toBe(all.length);
    expect(new Set(all.map((a) => a.phone.slice(0, 7))).size).toBeGreaterThan(all.length * 0.9);
  });

  it('slow-drip: the rings claim at a fraction of the burst rate', async () => {
    const r = await replayPdd2019({ ...small, config: 'loophole', variant: 'slow-drip' });
    expect(r.ledgers.ring.attempts).toBeGreaterThan(0);
    expect(r.ledgers.ring.attempts).toBeLessThan(r.ledgers.ring.actors / 2);
  }, 120_000);
});
