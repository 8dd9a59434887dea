/**
 * Make-goods: once per account whatever reruns, pauses or crashes; never past the make-good's budget
 * nor the campaign's; not for ring members; swept-in consumers only when asked; per-identity limits
 * hold; never on a channel-locked campaign; a paused campaign stops the job until it is active again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { incidentDeps, processJobService } from '../../src/app/job-handlers.js';
import { changeCampaignState } from '../../src/core/campaigns/use-cases.js';
import { claimCoupon } from '../../src/core/claims/claim-coupon.js';
import { classifyAccounts, openIncident, startIncidentJob } from '../../src/core/incidents/use-cases.js';
import { pauseJob, requeueJob } from '../../src/core/jobs/service.js';
import { createMakegood, startMakegood, type MakegoodInput } from '../../src/core/makegood/use-cases.js';
import type { MakegoodId } from '../../src/core/makegood/makegood.js';
import { HOUR, makeCampaign, T0, testSystem, type TestSystem } from '../helpers.js';
import { expectLedgerConsistent, racer } from '../load-helpers.js';
import { buildWorld, dbOf } from './world.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function system(): Promise<TestSystem> {
  const s = await testSystem();
  cleanups.push(() => s.shutdown());
  return s;
}

async function create(s: TestSystem, input: MakegoodInput) {
  const m = await createMakegood(s.deps, input, 'op');
  if (!m.ok) throw new Error(m.error.message);
  return m.value;
}
async function runIt(s: TestSystem, id: MakegoodId, limit = 3) {
  const j = await startMakegood(s.deps, id, 'op');
  if (!j.ok) throw new Error(j.error.message);
  return processJobService(s.deps).run(j.value.job.id, { limit });
}
const perAccount = (s: TestSystem, campaignId: string) =>
  dbOf(s).prepare('SELECT account_id, count(*) AS n FROM coupons WHERE campaign_id = ? GROUP BY account_id').all(campaignId) as { account_id: string; n: number }[];

describe('make-good campaigns', () => {
  it('run twice, paused and resumed midway: one coupon per account, the ledger consistent', async () => {
    const s = await system();
    const c = await makeCampaign(s, { name: 'red packets ¥10', template: { discount: { kind: 'fixed', amountFen: 1_000 } } });
    const accounts = Array.from({ length: 20 }, (_x, i) => `fan-${i}`);
    const m = await create(s, { name: 'sorry', campaignId: c.id, budgetFen: 1_000_000, population: { kind: 'accounts', accounts: [...accounts, ...accounts.slice(0, 5)] } });
    const j = await startMakegood(s.deps, m.id, 'op');
    if (!j.ok) throw new Error(j.error.message);
    const first = await processJobService(s.deps).run(j.value.job.id, {
      limit: 4,
      onProgress: (job) => {
        if (job.done === 8) void pauseJob(s.deps, job.id, 'op');
      },
    });
    expect(first.kind).toBe('interrupted');
    const midway = (await s.deps.store.makegoods.get(m.id))!.issuedCount;
    expect(midway).toBeGreaterThan(0);
    expect(midway).toBeLessThan(20);
    expect((await requeueJob(s.deps, j.value.job.id, 'op')).ok).toBe(true);
    expect((await processJobService(s.deps).run(j.value.job.id)).kind).toBe('done');
    const again = await runIt(s, m.id);
    expect(again.kind === 'done' && (again.job.counts.issued ?? 0)).toBe(0);
    expect(perAccount(s, c.id)).toHaveLength(20);
    expect(perAccount(s, c.id).every((r) => r.n === 1)).toBe(true);
    expect(await s.deps.store.makegoods.get(m.id)).toMatchObject({ issuedCount: 20, issuedFen: 20_000 });
    expectLedgerConsistent(dbOf(s), c.id);
    // The grants explain themselves like any other: a claim record with a reason.
    const claim = dbOf(s).prepare('SELECT decision, reasons, policy_version FROM claims WHERE campaign_id = ? LIMIT 1').get(c.id) as { decision: string; reasons: string; policy_version: string };
    expect(claim).toMatchObject({ decision: 'allow', policy_version: `makegood@${m.id}` });
    expect(claim.reasons).toContain('MAKEGOOD_GRANT');
  });

  it('stops at its budget, and at the campaign budget, whatever reruns', async () => {
    const s = await system();
    const c = await makeCampaign(s, { template: { discount: { kind: 'fixed', amountFen: 1_000 } }, budget: { count: 7, moneyFen: 7_000 } });
    const m = await create(s, { name: 'small', campaignId: c.id, budgetFen: 3_500, population: { kind: 'accounts', accounts: ['a1', 'a2', 'a3', 'a4', 'a5'] } });
    const out = await runIt(s, m.id);
    expect(out.kind === 'done' && out.job.counts).toMatchObject({ issued: 3, issuedFen: 3_000, stoppedAtBudget: 1 });
    await runIt(s, m.id);
    expect(await s.deps.store.makegoods.recipientCounts(m.id)).toEqual({ issued: 3, pending: 2 });
    // A second make-good on the same campaign: the campaign's own budget (7) caps it.
    const big = await create(s, { name: 'big', campaignId: c.id, budgetFen: 1_000_000, population: { kind: 'accounts', accounts: Array.from({ length: 10 }, (_x, i) => `b${i}`) } });
    const out2 = await runIt(s, big.id);
    expect(out2.kind === 'done' && out2.job.counts).toMatchObject({ issued: 4, stoppedAtBudget: 1 });
    expect(await s.deps.store.campaigns.usage(c.id)).toEqual({ grantedCount: 7, grantedFen: 7_000 });
    expectLedgerConsistent(dbOf(s), c.id);
  });

  it('gives the active consumers of the window one each, not the ring; swept-in only when asked', async () => {
    const s = await system();
    const w = await buildWorld(s);
    const inc = await openIncident(incidentDeps(s.deps), { title: 'theft', scope: [{ kind: 'campaign', value: w.stolen.id }] }, 'op');
    if (!inc.ok) throw new Error(inc.error.message);
    await classifyAccounts(s.deps, inc.value.id, w.swept.map((a) => ({ accountId: a, class: 'swept_in' as const })), 'op');
    // The incident's orders must be resolved into its scope for the exclusion to know them.
    const fj = await startIncidentJob(s.deps, inc.value.id, 'freeze', {}, 'op');
    if (!fj.ok) throw new Error(fj.error.message);
    await processJobService(s.deps).run(fj.value.job.id);
    const packets = await makeCampaign(s, { name: 'festival make-good', template: { discount: { kind: 'fixed', amountFen: 500 } }, limits: { perIdentity: 1, perAccount: 1 } });
    for (const includeSweptIn of [false, true]) {
      const m = await create(s, { name: `sorry ${includeSweptIn}`, campaignId: packets.id, budgetFen: 1_000_000, population: { kind: 'active', from: T0 - HOUR, to: T0 + HOUR }, excludeIncidents: [inc.value.id], includeSweptIn });
      const out = await runIt(s, m.id);
      expect(out.kind).toBe('done');
      const rec = (await s.deps.store.makegoods.recipients(m.id, { limit: 100 })).items;
      const state = (a: string) => rec.find((r) => r.accountId === a)?.state;
      for (const a of w.normal) expect(state(a)).toBe(includeSweptIn ? 'limit_reached' : 'issued');
      for (const a of w.ring) expect(state(a)).toBe('excluded');
      for (const a of w.swept) expect(state(a)).toBe(includeSweptIn ? 'issued' : 'excluded');
    }
    expect(perAccount(s, packets.id).every((r) => r.n === 1)).toBe(true);
  });

  it('holds the campaign\'s per-identity limit across accounts of one person', async () => {
    const s = await system();
    const c = await makeCampaign(s, { limits: { perIdentity: 1, perAccount: 1 } });
    const other = await makeCampaign(s, { name: 'links identities' });
    // Two accounts of one verified person (linked by claiming another campaign with the same id card).
    const person = racer(1, 'p');
    for (const id of ['twin-a', 'twin-b']) {
      const r = await claimCoupon(s.deps, { campaignId: other.id, channel: 'app', account: { ...person, id, phone: undefined as never } }, { scope: 'shop', idempotencyKey: `id-${id}` });
      expect(r.ok).toBe(true);
    }
    const m = await create(s, { name: 'twins', campaignId: c.id, budgetFen: 100_000, population: { kind: 'accounts', accounts: ['twin-a', 'twin-b'] } });
    await runIt(s, m.id);
    expect(await s.deps.store.makegoods.recipientCounts(m.id)).toEqual({ issued: 1, limit_reached: 1 });
  });

  it('is refused on a channel-locked campaign, and waits for a paused one', async () => {
    const s = await system();
    const locked = await makeCampaign(s, { special: true, channels: ['offline_event'] });
    const r = await createMakegood(s.deps, { name: 'no', campaignId: locked.id, budgetFen: 100_000, population: { kind: 'accounts', accounts: ['a'] } }, 'op');
    expect(!r.ok && r.error.code).toBe('INVALID_STATE');
    const c = await makeCampaign(s, {});
    const m = await create(s, { name: 'later', campaignId: c.id, budgetFen: 100_000, population: { kind: 'accounts', accounts: ['a', 'b'] } });
    await changeCampaignState(s.deps, c.id, 'pause', 'op');
    const failed = await runIt(s, m.id);
    expect(failed).toMatchObject({ kind: 'failed', error: expect.stringMatching(/paused/) });
    await changeCampaignState(s.deps, c.id, 'resume', 'op');
    const job = failed.kind === 'failed' ? failed.job : null!;
    expect((await requeueJob(s.deps, job.id, 'op')).ok).toBe(true);
    expect((await processJobService(s.deps).run(job.id)).kind).toBe('done');
    expect(await s.deps.store.makegoods.recipientCounts(m.id)).toEqual({ issued: 2 });
  });

  it('waits while its coupon type is paused (the circuit breaker or an operator), like a claim', async () => {
    const s = await system();
    const c = await makeCampaign(s, { couponType: 'apology-30' });
    const m = await create(s, { name: 'sorry', campaignId: c.id, budgetFen: 100_000, population: { kind: 'accounts', accounts: ['a', 'b'] } });
    const audit = { actor: 'op', action: 'type.pause', target: 'apology-30', details: {} };
    await s.deps.store.monitoring.pause('type', 'apology-30', 'under attack', s.clock.now(), audit);
    const failed = await runIt(s, m.id);
    expect(failed).toMatchObject({ kind: 'failed', error: expect.stringMatching(/coupon type apology-30 is paused/) });
    expect(await s.deps.store.makegoods.recipientCounts(m.id)).toEqual({ pending: 2 });
    await s.deps.store.monitoring.resume('type', 'apology-30', s.clock.now(), { ...audit, action: 'type.resume' });
    const job = failed.kind === 'failed' ? failed.job : null!;
    expect((await requeueJob(s.deps, job.id, 'op')).ok).toBe(true);
    expect((await processJobService(s.deps).run(job.id)).kind).toBe('done');
    expect(await s.deps.store.makegoods.recipientCounts(m.id)).toEqual({ issued: 2 });
  });
});
