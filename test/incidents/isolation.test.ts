/**
 * Normal coupons and orders outside every scope are never touched. On a mixed world (the stolen
 * event coupon beside an ordinary festival, one ring account with an ordinary order too), random
 * incidents with random scopes go through random actions (bulk freeze, release and cancel, by
 * class or not; one-order actions; classification; block; export; a make-good for normal
 * consumers). Afterwards:
 * - each incident's members are exactly the orders its scope describes (computed independently);
 * - every order outside all scopes, and every coupon not on such an order, is byte-for-byte as before
 *   (status, order link, update time, event count); a make-good only adds new coupons.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memorySink } from '../../src/adapters/node/evidence-bundle.js';
import { incidentDeps, processJobService } from '../../src/app/job-handlers.js';
import { exportEvidence } from '../../src/core/incidents/evidence.js';
import type { IncidentId, ScopeSelector } from '../../src/core/incidents/incident.js';
import { actOnIncidentOrder, blockRingMembers, classifyAccounts, openIncident, startIncidentJob } from '../../src/core/incidents/use-cases.js';
import { createMakegood, startMakegood } from '../../src/core/makegood/use-cases.js';
import { testSystem } from '../helpers.js';
import { buildWorld, changedIds, dbOf, ledgerSnapshot, type World } from './world.js';

/** Scopes to draw from, with the orders each one covers (from how the world was built). */
const SCOPES: { name: string; selectors: (w: World) => ScopeSelector[]; orders: (w: World) => string[] }[] = [
  { name: 'campaign', selectors: (w) => [{ kind: 'campaign', value: w.stolen.id }], orders: (w) => [...w.ringOrders, ...w.sweptOrders] },
  { name: 'batch', selectors: (w) => [{ kind: 'batch', value: w.batchId }], orders: (w) => [...w.ringOrders, ...w.sweptOrders] },
  { name: 'code', selectors: (w) => [{ kind: 'code', value: w.codeId }], orders: (w) => [...w.ringOrders, ...w.sweptOrders] },
  { name: 'target', selectors: (w) => [{ kind: 'topup_target', value: w.targets[1]! }], orders: (w) => w.ringOrders.filter((_o, i) => i % 3 === 1) },
  // Account lists reach the ring account's ordinary order too: that is what listing an account means.
  { name: 'accounts', selectors: (w) => w.ring.slice(0, 2).map((a) => ({ kind: 'account' as const, value: a })), orders: (w) => [w.ringOrders[0]!, w.ringOrders[1]!, w.ringFestivalOrder] },
  { name: 'police list', selectors: (w) => [w.ringOrders[2]!, w.sweptOrders[1]!].map((o) => ({ kind: 'order' as const, value: o })), orders: (w) => [w.ringOrders[2]!, w.sweptOrders[1]!] },
];

type Step =
  | { kind: 'bulk'; incident: number; action: 'freeze' | 'release' | 'cancel'; cls: 'all' | 'swept_in' | 'ring_member' | 'unclassified' }
  | { kind: 'one'; incident: number; action: 'freeze' | 'release' | 'cancel'; pick: number }
  | { kind: 'classify'; incident: number }
  | { kind: 'block'; incident: number }
  | { kind: 'export'; incident: number }
  | { kind: 'makegood' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('bulk' as const), incident: fc.nat(1), action: fc.constantFrom('freeze' as const, 'release' as const, 'cancel' as const), cls: fc.constantFrom('all' as const, 'swept_in' as const, 'ring_member' as const, 'unclassified' as const) }),
  fc.record({ kind: fc.constant('one' as const), incident: fc.nat(1), action: fc.constantFrom('freeze' as const, 'release' as const, 'cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('classify' as const), incident: fc.nat(1) }),
  fc.record({ kind: fc.constant('block' as const), incident: fc.nat(1) }),
  fc.record({ kind: fc.constant('export' as const), incident: fc.nat(1) }),
  fc.constant({ kind: 'makegood' as const }),
);

describe('incident actions and everything outside their scopes', () => {
  it('leave every order and coupon outside all scopes unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.nat(SCOPES.length - 1), { minLength: 1, maxLength: 2 }),
        fc.constantFrom('keep' as const, 'freeze' as const),
        fc.array(step, { minLength: 1, maxLength: 8 }),
        async (scopeIdx, sweptInOrders, steps) => {
          const s = await testSystem();
          try {
            const w = await buildWorld(s);
            const db = dbOf(s);
            const before = ledgerSnapshot(db);
            const incidents: IncidentId[] = [];
            for (const i of scopeIdx) {
              const r = await openIncident(incidentDeps(s.deps), { title: SCOPES[i]!.name, scope: SCOPES[i]!.selectors(w), leniency: { sweptInOrders } }, 'op');
              if (!r.ok) throw new Error(r.error.message);
              incidents.push(r.value.id);
            }
            const svc = processJobService(s.deps);
            for (const st of steps) {
              if (st.kind === 'makegood') {
                const m = await createMakegood(s.deps, { name: 'sorry', campaignId: w.festival.id, budgetFen: 10 * 2_000, population: { kind: 'accounts', accounts: w.normal }, excludeIncidents: incidents }, 'op');
                if (!m.ok) throw new Error(m.error.message);
                const j = await startMakegood(s.deps, m.value.id, 'op');
                if (j.ok) await svc.run(j.value.job.id);
                continue;
              }
              const id = incidents[st.incident % incidents.length]!;
              switch (st.kind) {
                case 'bulk': {
                  const j = await startIncidentJob(s.deps, id, st.action, st.cls === 'all' || st.action === 'freeze' ? {} : { class: st.cls }, 'op');
                  if (j.ok) expect((await svc.run(j.value.job.id, { limit: 3 })).kind).toBe('done');
                  break;
                }
                case 'one': {
                  // One-order actions on members only: freezing a non-member would add it to the scope.
                  const members = (await s.deps.store.incidents.members(id, { limit: 100 })).items;
                  if (members.length) await actOnIncidentOrder(s.deps, id, members[st.pick % members.length]!.orderId as never, st.action, 'op');
                  break;
                }
                case 'classify':
                  await classifyAccounts(s.deps, id, [...w.swept.map((a) => ({ accountId: a, class: 'swept_in' as const })), ...w.ring.map((a) => ({ accountId: a, class: 'ring_member' as const }))], 'op');
                  break;
                case 'block':
                  await blockRingMembers(s.deps, id, 'op');
                  break;
                case 'export':
                  await exportEvidence(s.deps, id, memorySink(), { clear: false, actor: 'op', role: 'auditor' });
                  break;
              }
            }
            // Members are exactly what each scope describes (when the incident ever resolved its scope).
            const inScope = new Set<string>();
            for (const [k, id] of incidents.entries()) {
              const members = (await s.deps.store.incidents.members(id, { limit: 1000 })).items.map((m) => m.orderId).sort();
              const expected = SCOPES[scopeIdx[k]!]!.orders(w).sort();
              if (members.length) expect(members).toEqual(expected);
              for (const o of expected) inScope.add(o);
            }
            const changed = changedIds(before, ledgerSnapshot(db));
            expect(changed.orders.filter((o) => !inScope.has(o))).toEqual([]);
            const couponsInScope = new Set((db.prepare('SELECT coupon_id FROM order_coupons').all() as { coupon_id: string }[]).map((r) => r.coupon_id).filter((c) => {
              const o = db.prepare('SELECT order_id FROM order_coupons WHERE coupon_id = ?').pluck().all(c) as string[];
              return o.some((x) => inScope.has(x));
            }));
            // Coupons that existed before: only those on in-scope orders may change. New ones are the make-good's.
            expect(changed.coupons.filter((c) => before.coupons.has(c) && !couponsInScope.has(c))).toEqual([]);
            for (const c of changed.coupons.filter((x) => !before.coupons.has(x)))
              expect((db.prepare('SELECT campaign_id FROM coupons WHERE id = ?').pluck().get(c) as string)).toBe(w.festival.id);
          } finally {
            await s.shutdown();
          }
        },
      ),
      { numRuns: 20, seed: 20190121 },
    );
  });
});
