/**
 * Done-means: a crafted incident (a SIM-farm ring, swept-in consumers, normal traffic) yields a
 * ring holding ≥ 95 % of the ring's accounts with ≤ 1 % of other accounts, and classifies ≥ 95 %
 * of the swept-in consumers as such — through the real store, claim, order and event paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ring } from '../../src/core/rings/ring.js';
import { allMembers, classifyCampaign, detectRings, type ClassifyReport } from '../../src/core/rings/use-cases.js';
import { testSystem, type TestSystem } from '../helpers.js';
import { runIncident, type Incident } from './incident-fixture.js';

let s: TestSystem;
let inc: Incident;
let rings: Ring[];
let report: ClassifyReport;
const phases = new Set<string>();

beforeAll(async () => {
  s = await testSystem();
  inc = await runIncident(s, { normal: 1500, ring: 300, sweptIn: 600, seed: 3 });
  const run = await detectRings(s.deps, { from: inc.from, to: s.clock.now() + 1 }, 'test', (phase) => phases.add(phase));
  if (!run.ok) throw new Error(run.error.message);
  rings = [...(await s.deps.store.rings.list({ limit: 100 })).items];
  const r = await classifyCampaign(s.deps, inc.special);
  if (!r.ok) throw new Error(r.error.message);
  report = r.value;
}, 120_000);
afterAll(async () => s?.shutdown());

describe('crafted incident', () => {
  it('one ring holds ≥ 95 % of the SIM farm with ≤ 1 % other accounts', async () => {
    const best = rings[0]!;
    const members = (await allMembers(s.deps, best.id)).map((m) => m.accountId as string);
    const farm = members.filter((a) => inc.ring.has(a)).length;
    const others = members.length - farm;
    expect(farm / inc.ring.size).toBeGreaterThanOrEqual(0.95);
    expect(others).toBeLessThanOrEqual(0.01 * members.length);
    expect(others).toBeLessThanOrEqual(0.01 * (inc.normal.size + inc.sweptIn.size));
  });

  it('no other ring is flagged among normal and swept-in accounts', async () => {
    for (const r of rings.slice(1)) {
      const members = (await allMembers(s.deps, r.id)).map((m) => m.accountId as string);
      expect(members.filter((a) => inc.normal.has(a) || inc.sweptIn.has(a))).toEqual([]);
    }
  });

  it('the ring says what ties it and what it took', () => {
    const best = rings[0]!;
    expect(Object.keys(best.evidenceByKind)).toEqual(expect.arrayContaining(['device', 'ip', 'phone_run', 'target']));
    expect(best.campaigns[0]!.campaignId).toBe(inc.special);
    expect(best.coupons).toBeGreaterThanOrEqual(285);
    expect(best.faceValueFen).toBe(best.coupons * 10_000);
    expect(best.cashoutFen).toBeGreaterThan(0);
    expect(best.firstSeenAt).toBeLessThanOrEqual(best.lastSeenAt);
    expect(best.detectors.component?.overlap).toBeGreaterThan(0.9);
  });

  it('classifies ≥ 95 % of the swept-in consumers as swept-in, and the farm as ring members', () => {
    const byAccount = new Map(report.items.map((c) => [c.accountId as string, c]));
    const swept = [...inc.sweptIn].filter((a) => byAccount.get(a)?.class === 'swept_in').length;
    expect(swept / inc.sweptIn.size).toBeGreaterThanOrEqual(0.95);
    const members = [...inc.ring].filter((a) => byAccount.get(a)?.class === 'ring_member').length;
    expect(members / inc.ring.size).toBeGreaterThanOrEqual(0.95);
    const one = byAccount.get([...inc.sweptIn][0]!)!;
    expect(one.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['LEAKED_CODE', 'NO_RING_LINK', 'ORDINARY_HISTORY']));
  });

  it('reported progress through every phase', () => {
    expect([...phases]).toEqual(expect.arrayContaining(['claims', 'events', 'orders', 'communities', 'blocks', 'components', 'rings']));
  });
});
