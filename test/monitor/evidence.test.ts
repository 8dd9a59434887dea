/**
 * The "who is behind it" of an alert's evidence: exact top-five counts over the scope's recent
 * claims, from a bounded pool — a flood of 60,000 grants in two minutes costs the same to explain as
 * 5,000 (what the serving thread can afford every tick).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { campaignOf, claimOf, D0, Driver, MIN } from './traffic.js';

/** The naive answer: every count, sorted. */
function naiveTop(values: readonly string[]): { value: string; claims: number }[] {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m].map(([value, claims]) => ({ value, claims })).sort((a, b) => b.claims - a.claims);
}

describe("an alert's top five", () => {
  it('counts exactly what the naive sort counts (ties in any order)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 30, maxLength: 400 }), (devices) => {
        const c = campaignOf('cmp_evidence', { special: true, channels: ['offline_event'], createdAt: D0 - 2 * 86_400_000, startsAt: D0 - 2 * 86_400_000 });
        const d = new Driver([c]);
        const at = D0 + 30 * MIN;
        d.add(...devices.map((dev, i) => claimOf(at + i * 100, c, { deviceId: `rack-${dev}` })));
        const spike = d.look(at + devices.length * 100).find((f) => f.rule === 'spike' && f.scope.kind === 'campaign');
        expect(spike).toBeDefined();
        const got = spike!.evidence.top.devices;
        const want = naiveTop(devices.map((x) => `rack-${x}`));
        expect(got.map((x) => x.claims)).toEqual(want.slice(0, 5).map((x) => x.claims));
        for (const g of got) expect(want.find((w) => w.value === g.value)!.claims).toBe(g.claims);
        expect(spike!.evidence.topOf).toBe(devices.length);
      }),
      { numRuns: 60 },
    );
  });

  it('a flood is explained from its newest 5,000 claims', () => {
    const c = campaignOf('cmp_flood', { createdAt: D0 - 2 * 86_400_000, startsAt: D0 - 2 * 86_400_000 });
    const d = new Driver([c]);
    const at = D0 + 30 * MIN;
    // 60,000 grants in 100 s: the first 40,000 from rack-old, the newest 20,000 from rack-new-* (the pool keeps the newest 5,000).
    d.add(...Array.from({ length: 60_000 }, (_, i) => claimOf(at + Math.floor(i / 600) * 1_000, c, { deviceId: i < 40_000 ? 'rack-old' : `rack-new-${i % 4}` })));
    const spike = d.look(at + 100_000).find((f) => f.rule === 'spike' && f.scope.kind === 'campaign');
    expect(spike!.evidence.topOf).toBe(5_000);
    expect(spike!.evidence.top.devices.map((x) => x.claims)).toEqual([1_250, 1_250, 1_250, 1_250]);
    expect(spike!.evidence.top.devices.every((x) => x.value.startsWith('rack-new-'))).toBe(true);
  });
});
