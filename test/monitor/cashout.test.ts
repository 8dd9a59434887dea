/**
 * The monitor's cash-out finding: a special coupon type whose recent redemptions are mostly the
 * coupon paying all of a top-up (held orders count) alerts and pauses, whoever claimed it; a
 * special coupon redeemed mostly on goods, and an ordinary campaign spent on top-ups, do not.
 */
import { afterEach, expect, it } from 'vitest';
import { claimCoupon } from '../../src/core/claims/claim-coupon.js';
import { placeOrder, type PlaceOrderRequest } from '../../src/core/orders/use-cases.js';
import type { CampaignId } from '../../src/core/shared/ids.js';
import { account, makeCampaign, testSystem, type TestSystem } from '../helpers.js';

let s: TestSystem;
afterEach(async () => s?.shutdown());
let k = 0;

async function claimAndSpend(campaignId: CampaignId, items: PlaceOrderRequest['items']) {
  const a = account();
  const r = await claimCoupon(s.deps, { campaignId, channel: 'app', account: a }, { scope: 't', idempotencyKey: `c${k++}` });
  if (!r.ok || !r.value.couponId) throw new Error('claim refused');
  const o = await placeOrder(s.deps, { accountId: a.id, couponIds: [r.value.couponId], items }, { scope: 't', idempotencyKey: `o${k++}` });
  if (!o.ok) throw new Error(o.error.message);
}

const topup = (value: string): PlaceOrderRequest['items'] => [{ sku: 'topup-100', category: 'virtual_topup', unitPriceFen: 10_000, quantity: 1, topupTarget: { kind: 'phone', value } }];
const goods: PlaceOrderRequest['items'] = [{ sku: 'rice-cooker', category: 'physical', unitPriceFen: 39_900, quantity: 1 }];
const fixed100 = { kind: 'fixed' as const, amountFen: 10_000 };
/** The seed's mistake: an event-only special coupon type also set up as an ordinary online campaign. */
async function eventTypeWithOnlineEntry() {
  const since = s.clock.now() - 86_400_000;
  await makeCampaign(s, { couponType: 'tv-guest', special: true, requireCode: true, channels: ['offline_event'], template: { discount: fixed100 }, startsAt: since });
  return makeCampaign(s, { couponType: 'tv-guest', template: { discount: fixed100 }, startsAt: since });
}

it('a special coupon type spent in full on top-ups alerts and pauses, slow as the drip may be', async () => {
  s = await testSystem();
  const c = await eventTypeWithOnlineEntry();
  for (let i = 0; i < 3; i++) {
    s.clock.advance(2 * 60_000);
    await claimAndSpend(c.id, topup(`1591234000${i}`));
  }
  const f = await s.monitor.tick();
  const hit = f.find((x) => x.rule === 'cashout' && x.scope.kind === 'type');
  expect(hit).toMatchObject({ severity: 'critical', autoPause: true });
  expect(hit!.title).toMatch(/3 of 3 redemptions/);
  expect((await s.deps.store.monitoring.activePauses()).map((p) => p.value)).toContain('tv-guest');
});

it('no finding when a special coupon is mostly spent on goods, or when an ordinary campaign is spent on top-ups', async () => {
  s = await testSystem();
  const special = await eventTypeWithOnlineEntry();
  const ordinary = await makeCampaign(s, { couponType: 'phone-credit', template: { discount: { kind: 'fixed', amountFen: 10_000 } }, startsAt: s.clock.now() - 86_400_000 });
  for (let i = 0; i < 8; i++) {
    s.clock.advance(30_000);
    // Guests: three top up their own phones, five buy goods.
    await claimAndSpend(special.id, i < 3 ? topup(`1380000000${i}`) : goods);
    await claimAndSpend(ordinary.id, topup(`1370000000${i}`));
  }
  const f = await s.monitor.tick();
  expect(f.filter((x) => x.rule === 'cashout')).toEqual([]);
  expect(await s.deps.store.monitoring.activePauses()).toEqual([]);
});
