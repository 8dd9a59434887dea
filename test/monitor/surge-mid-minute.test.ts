/**
 * An announced surge that starts or ends mid-minute: the expectation of each minute is the surge
 * pro-rated by how much of the minute it covers, so the guests of an event announced from 19:00:30
 * are expected in the 19:00 minute too, and nobody pauses them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { announcedInMinute } from '../../src/core/monitor/monitor.js';
import { campaignOf, D0, DAY, Driver, HOUR, MIN } from './traffic.js';

describe('an announced surge starting mid-minute', () => {
  it('does not pause the event coupon whose guests arrive from 19:00:30 at the announced rate', () => {
    const start = D0 + 2 * DAY + 19 * HOUR + 30_000;
    const end = start + 15 * MIN;
    const event = campaignOf('tv-guests', {
      couponType: 'tv-guest',
      special: true,
      requireCode: true,
      channels: ['offline_event'],
      monitor: { expectedSurges: [{ startsAt: start, endsAt: end, grantsPerMinute: 120 }] },
    });
    const d = new Driver([event]);
    // 120 guests a minute, evenly, from the announced second to its end.
    for (let t = start; t < end; t += 500) d.add({ ...guest(t, event) });
    d.run(start - 30 * MIN - 30_000, end + 10 * MIN);
    expect(d.seen('critical')).toEqual([]);
    expect(d.paused).toBeNull();
  });

  it('counts a surge in a minute by the share of the minute it covers', () => {
    const m = 1_000_000;
    const c = campaignOf('c', { monitor: { expectedSurges: [{ startsAt: m * MIN + 30_000, endsAt: (m + 2) * MIN + 15_000, grantsPerMinute: 100 }] } });
    expect([m - 1, m, m + 1, m + 2, m + 3].map((x) => announcedInMinute(c, x))).toEqual([0, 50, 100, 25, 0]);
  });

  it('announces over any span exactly the surge rate times its length (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * MIN }), fc.integer({ min: 1, max: 30 * MIN }), fc.integer({ min: 1, max: 500 }), (offset, length, rate) => {
        const base = 2_000_000 * MIN;
        const c = campaignOf('c', { monitor: { expectedSurges: [{ startsAt: base + offset, endsAt: base + offset + length, grantsPerMinute: rate }] } });
        let sum = 0;
        for (let m = 2_000_000; m <= 2_000_000 + 41; m++) sum += announcedInMinute(c, m);
        expect(sum).toBeCloseTo((rate * length) / MIN, 6);
      }),
    );
  });
});

function guest(at: number, c: ReturnType<typeof campaignOf>) {
  return { at, campaignId: c.id, channel: 'offline_event' as const, decision: 'allow', faceValueFen: 10_000, accountId: `g${at}`, deviceId: `d${at}`, ip: null, phone: null, codeId: `code-${at}`, reasons: [{ code: 'GRANTED' }] };
}
