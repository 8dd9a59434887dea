/**
 * The in-process target: the system built through the one composition root on its own in-memory
 * store with a virtual clock, driven through the same use cases the HTTP API calls. The monitor is
 * ticked at the end of each slice of virtual time (a server ticks it every second of real time).
 */
import { ManualClock } from '../adapters/node/clock.js';
import { compose, type Composed } from '../app/compose.js';
import { loadConfig } from '../app/config.js';
import { recordAccountEvent } from '../core/accounts/use-cases.js';
import { createCampaign } from '../core/campaigns/use-cases.js';
import { claimCoupon } from '../core/claims/claim-coupon.js';
import { codeText, issueCodeBatch } from '../core/codes/use-cases.js';
import { actOnOrder, placeOrder } from '../core/orders/use-cases.js';
import { classifyCampaign, detectRings } from '../core/rings/use-cases.js';
import type { CampaignId, OrderId } from '../core/shared/ids.js';
import { LabError, type Classification, type LabTarget } from './target.js';

export const LAB_ACTOR = 'replay-lab';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new LabError(`replay: ${r.error.message}`);
  return r.value;
}

/** A fresh in-memory system whose clock starts at `from` (scenario time). */
export async function inProcessTarget(from: number): Promise<LabTarget> {
  const clock = new ManualClock(from);
  const s: Composed = compose(loadConfig({}, { dbPath: ':memory:', synchronous: 'NORMAL' }), { clock, monitor: { tickMs: 0, log: () => {} } });
  await s.risk?.ready;
  const d = s.deps;
  const scope = 'replay';
  return {
    from,
    begin: async () => {},
    at: async (t) => clock.set(t),
    endSlice: async (t) => {
      clock.set(t - 1);
      await s.monitor.tick();
    },
    createCampaign: async (input) => {
      const c = must(await createCampaign(d, input, LAB_ACTOR));
      return { id: c.id, couponType: c.couponType ?? c.id };
    },
    issueCodes: async (campaignId, event, count, expiresAt) => {
      const batch = must(await issueCodeBatch(d, { campaignId: campaignId as CampaignId, event, count, useLimit: 1, expiresAt }, LAB_ACTOR));
      const codes = (await d.store.codes.listCodes(batch.id, { limit: count })).items.map((c) => codeText(d, c));
      return { batchId: batch.id, keyId: d.signer.keyId, codes };
    },
    claim: async (req, key) => must(await claimCoupon(d, req, { scope, idempotencyKey: key })),
    placeOrder: async (req, key) => {
      const o = must(await placeOrder(d, req, { scope, idempotencyKey: key }));
      return { orderId: o.orderId, status: o.status, discountFen: o.discountFen };
    },
    fulfil: async (orderId) => {
      must(await actOnOrder(d, orderId as OrderId, 'fulfil', 'shop', false));
    },
    accountEvent: async (e) => {
      must(await recordAccountEvent(d, e));
    },
    accountEvents: async (es) => {
      for (const e of es) must(await recordAccountEvent(d, e));
    },
    alerts: async () => (await d.store.monitoring.listAlerts({ limit: 200 })).items,
    pauses: async () => d.store.monitoring.activePauses(),
    pausedCampaigns: async () => (await d.store.campaigns.list({ state: 'paused', limit: 1_000 })).items.map((c) => ({ id: c.id, at: c.updatedAt })),
    orderStatus: async (id) => (await d.store.orders.get(id as OrderId))?.status ?? null,
    classify: async (from, to, campaignId): Promise<Classification> => {
      const run = await detectRings(d, { from, to }, LAB_ACTOR);
      if (!run.ok) return { ok: false, note: `ring detection refused: ${run.error.message}` };
      const c = await classifyCampaign(d, campaignId as CampaignId);
      if (!c.ok) return { ok: false, note: `classification refused: ${c.error.message}` };
      return {
        ok: true,
        note: `detection run ${run.value.id}: ${run.value.stats?.rings ?? 0} rings, ${run.value.stats?.ringAccounts ?? 0} accounts; claimants of ${campaignId}`,
        classOf: new Map(c.value.items.map((i) => [i.accountId as string, i.class])),
      };
    },
    info: () => ({ kind: 'in-process', clock: 'virtual' }),
    close: () => s.close(),
  };
}
