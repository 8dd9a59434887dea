/**
 * Bulk freeze, release and cancel by incident scope, as jobs: each in-scope order is acted on once,
 * fulfilled ones are flagged, swept-in consumers are spared under a lenient policy, and every order
 * and coupon outside the scope stays exactly as it was.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processJobService } from '../../src/app/job-handlers.js';
import { incidentDeps } from '../../src/app/job-handlers.js';
import { actOnIncidentOrder, classifyAccounts, closeIncident, openIncident, startIncidentJob, type OpenIncidentInput } from '../../src/core/incidents/use-cases.js';
import type { IncidentId } from '../../src/core/incidents/incident.js';
import type { OrderId } from '../../src/core/shared/ids.js';
import { HOUR, testSystem, type TestSystem } from '../helpers.js';
import { buildWorld, changedIds, dbOf, ledgerSnapshot, type World } from './world.js';

let s: TestSystem;
let w: World;
beforeEach(async () => {
  s = await testSystem();
  w = await buildWorld(s);
});
afterEach(async () => s.shutdown());

async function open(input: Partial<OpenIncidentInput> = {}): Promise<IncidentId> {
  const r = await openIncident(incidentDeps(s.deps), { title: 'TV coupon theft', scope: [{ kind: 'campaign', value: w.stolen.id }], ...input }, 'op');
  if (!r.ok) throw new Error(r.error.message);
  return r.value.id;
}

async function runAction(id: IncidentId, action: 'freeze' | 'release' | 'cancel', filter = {}) {
  const started = await startIncidentJob(s.deps, id, action, filter, 'op');
  if (!started.ok) throw new Error(started.error.message);
  const svc = processJobService(s.deps);
  const out = await svc.run(started.value.job.id, { limit: 3 });
  expect(out.kind).toBe('done');
  return out.kind === 'done' ? out.job : null!;
}

const statusOf = async (id: OrderId) => (await s.deps.store.orders.get(id))!.status;

describe('bulk freeze by scope', () => {
  it('freezes open in-scope orders once, flags fulfilled ones, spares swept-in consumers, touches nothing else', async () => {
    const id = await open();
    expect((await classifyAccounts(s.deps, id, w.swept.map((a) => ({ accountId: a, class: 'swept_in' as const })), 'op')).ok).toBe(true);
    const before = ledgerSnapshot(dbOf(s));
    const job = await runAction(id, 'freeze');
    expect(job.counts).toMatchObject({ scanned: 23, found: 12, frozen: 5, flagged: 3, spared: 4 });
    for (const [i, o] of w.ringOrders.entries()) expect(await statusOf(o)).toBe(i < 3 ? 'fulfilled' : 'frozen');
    for (const o of w.sweptOrders) expect(await statusOf(o)).toBe('placed');
    const changed = changedIds(before, ledgerSnapshot(dbOf(s)));
    expect(changed.orders).toEqual([...w.ringOrders.slice(3)].sort());
    expect(changed.coupons).toEqual([]);
    // Run again: nothing is frozen twice.
    const again = await runAction(id, 'freeze');
    expect(again.counts.found ?? 0).toBe(0);
    expect(again.counts.frozen ?? 0).toBe(0);
    const events = dbOf(s).prepare("SELECT order_id, count(*) AS n FROM order_events WHERE action = 'freeze' GROUP BY order_id").all() as { n: number }[];
    expect(events.every((e) => e.n === 1)).toBe(true);
    expect(events).toHaveLength(5);
  });

  it('release puts each frozen order back to where it was; cancel voids the stolen coupon', async () => {
    const id = await open({ leniency: { sweptInOrders: 'freeze' } });
    await runAction(id, 'freeze');
    for (const o of [...w.ringOrders.slice(3), ...w.sweptOrders]) expect(await statusOf(o)).toBe('frozen');
    // Swept-in consumers, classified afterwards, are released; ring orders stay frozen.
    await classifyAccounts(s.deps, id, w.swept.map((a) => ({ accountId: a, class: 'swept_in' as const })), 'op');
    const rel = await runAction(id, 'release', { class: 'swept_in' });
    expect(rel.counts).toMatchObject({ released: 4 });
    for (const o of w.sweptOrders) expect(await statusOf(o)).toBe('placed');
    const before = ledgerSnapshot(dbOf(s));
    const can = await runAction(id, 'cancel', { class: 'unclassified' });
    expect(can.counts).toMatchObject({ cancelled: 5 });
    for (const o of w.ringOrders.slice(3)) {
      const ord = (await s.deps.store.orders.get(o))!;
      expect(ord.status).toBe('cancelled');
      // The stolen campaign voids coupons on cancel.
      expect((await s.deps.store.coupons.get(ord.coupons[0]!.couponId))!.status).toBe('revoked');
    }
    const changed = changedIds(before, ledgerSnapshot(dbOf(s)));
    expect(changed.orders).toEqual([...w.ringOrders.slice(3)].sort());
  });

  it('acts on one order at a time, adding it to the scope, and refuses what makes no sense', async () => {
    const id = await open({ scope: [{ kind: 'order', value: w.ringOrders[5]! }] });
    const one = await actOnIncidentOrder(s.deps, id, w.ringOrders[6]!, 'freeze', 'op', 'police list #2');
    expect(one.ok && one.value.disposition).toBe('frozen');
    expect(await statusOf(w.ringOrders[6]!)).toBe('frozen');
    const again = await actOnIncidentOrder(s.deps, id, w.ringOrders[6]!, 'freeze', 'op');
    expect(!again.ok && again.error.code).toBe('INVALID_STATE');
    const notMember = await actOnIncidentOrder(s.deps, id, w.normalOrders[8]!, 'release', 'op');
    expect(!notMember.ok && notMember.error.code).toBe('NOT_FOUND');
    const rel = await actOnIncidentOrder(s.deps, id, w.ringOrders[6]!, 'release', 'op');
    expect(rel.ok && rel.value.disposition).toBe('released');
    expect(await statusOf(w.ringOrders[6]!)).toBe('placed');
    expect((await closeIncident(s.deps, id, 'op')).ok).toBe(true);
    const closed = await actOnIncidentOrder(s.deps, id, w.ringOrders[6]!, 'freeze', 'op');
    expect(!closed.ok && closed.error.code).toBe('INVALID_STATE');
  });

  it('two incidents on one order: the second holds it when the first releases it; a window bounds the scope', async () => {
    const a = await open();
    const b = await open({ scope: [{ kind: 'order', value: w.ringOrders[5]! }] });
    await runAction(a, 'freeze');
    await runAction(b, 'freeze');
    expect((await s.deps.store.incidents.member(b, w.ringOrders[5]!))!.disposition).toBe('held_elsewhere');
    await runAction(a, 'release');
    // Still frozen: incident b wants it; b now holds it, with the status it had before a froze it.
    expect(await statusOf(w.ringOrders[5]!)).toBe('frozen');
    expect(await statusOf(w.ringOrders[4]!)).toBe('placed');
    expect(await s.deps.store.incidents.member(b, w.ringOrders[5]!)).toMatchObject({ disposition: 'frozen', priorStatus: 'placed' });
    await runAction(b, 'release');
    expect(await statusOf(w.ringOrders[5]!)).toBe('placed');

    const later = await open({ window: { from: s.clock.now() + 1, to: s.clock.now() + HOUR } });
    const job = await runAction(later, 'freeze');
    expect(job.counts.found ?? 0).toBe(0);
  });
});

