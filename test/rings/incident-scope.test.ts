/** Rings as the scope of an incident, and ring detection's word on an incident's accounts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentDeps } from '../../src/app/job-handlers.js';
import { openIncident } from '../../src/core/incidents/use-cases.js';
import { ringSource } from '../../src/core/rings/incident-source.js';
import { detectRings } from '../../src/core/rings/use-cases.js';
import { testSystem, type TestSystem } from '../helpers.js';
import { runIncident, type Incident } from './incident-fixture.js';

let s: TestSystem;
let inc: Incident;
let ringId: string;

beforeAll(async () => {
  s = await testSystem();
  inc = await runIncident(s, { normal: 200, ring: 50, sweptIn: 60, seed: 9 });
  const run = await detectRings(s.deps, { from: inc.from, to: s.clock.now() + 1 }, 'test');
  if (!run.ok) throw new Error(run.error.message);
  ringId = (await s.deps.store.rings.list({ limit: 1 })).items[0]!.id;
}, 60_000);
afterAll(async () => s?.shutdown());

describe('rings in incidents', () => {
  it('an incident scoped to a ring takes in its accounts, classified as ring members', async () => {
    const r = await openIncident(incidentDeps(s.deps), { title: 'farm', scope: [{ kind: 'ring', value: ringId }] }, 'test');
    if (!r.ok) throw new Error(r.error.message);
    const page = await s.deps.store.incidents.accountsPage(r.value.id, { limit: 1000, class: 'ring_member' });
    expect(new Set(page.items.map((a) => a.accountId))).toEqual(inc.ring);
    expect(page.items.every((a) => a.ring === ringId && a.source === 'rings')).toBe(true);
    expect((await s.deps.store.incidents.scopeCounts(r.value.id)).account).toBe(50);
  });

  it('an unknown ring is refused', async () => {
    const r = await openIncident(incidentDeps(s.deps), { title: 'x', scope: [{ kind: 'ring', value: 'ring_0000000000_9' }] }, 'test');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('ring_0000000000_9 not found') });
  });

  it('classifies incident accounts: ring members and swept-in consumers, nobody else', async () => {
    const accounts = [...inc.ring, ...inc.sweptIn, 'never-seen'];
    const known = await ringSource(s.deps).classify(accounts);
    expect([...inc.ring].every((a) => known.get(a)?.class === 'ring_member' && known.get(a)?.ring === ringId)).toBe(true);
    expect([...inc.sweptIn].filter((a) => known.get(a)?.class === 'swept_in').length).toBeGreaterThanOrEqual(57);
    expect(known.has('never-seen')).toBe(false);
  });
});
