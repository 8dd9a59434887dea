/**
 * Crafted traffic for online ring detection: 300 honest accounts over 100 minutes, then a SIM farm
 * of 60 accounts (consecutive numbers of one segment, 8 per device rack, 2 IPs) claiming one
 * coupon each within 5 minutes and cashing out through one phone top-up target.
 */
import { placeOrder } from '../../src/core/orders/use-cases.js';
import { campaign, claim, idNumber, randomPhone, rng, type RiskSystem } from '../risk/risk-helpers.js';

const r = rng(23);
export const farm = (i: number) => ({ id: `farm-${i}`, phone: `1705551${String(1000 + i * 2).padStart(4, '0')}`, deviceId: `rack-${Math.floor(i / 8)}`, ip: `172.20.0.${1 + Math.floor(i / 40)}`, identity: { number: idNumber(50_000 + i), verified: true } });
export const honest = (i: number) => ({ id: `h-${i}`, phone: randomPhone(r), deviceId: `own-${i}`, ip: `10.9.${i >> 8}.${i & 255}`, identity: { number: idNumber(60_000 + i), verified: true } });
export const TARGET = '15900001111';

let k = 0;
export async function farmTopup(s: RiskSystem, accountId: string, couponId: string) {
  const o = await placeOrder(s.deps, { accountId, couponIds: [couponId], items: [{ sku: 'topup-500', category: 'virtual_topup', unitPriceFen: 50_000, quantity: 1, topupTarget: { kind: 'phone', value: TARGET } }] }, { scope: 'online', idempotencyKey: `t${k++}` });
  if (!o.ok) throw new Error(o.error.message);
  return o.value;
}

export async function farmTraffic(s: RiskSystem) {
  const c = await campaign(s, { limits: { perIdentity: 5, perAccount: 5, perPhone: 5 } });
  for (let i = 0; i < 300; i++) {
    s.clock.advance(20_000);
    await claim(s, { campaignId: c.id, channel: 'app', account: honest(i) });
  }
  for (let i = 0; i < 60; i++) {
    s.clock.advance(5_000);
    const g = await claim(s, { campaignId: c.id, channel: 'app', account: farm(i) });
    if (g.couponId) await farmTopup(s, `farm-${i}`, g.couponId);
  }
  return c;
}
