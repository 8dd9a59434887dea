/**
 * A restart mid-attack does not blind the population signals: warming up from the last 24 h of
 * claims and orders rebuilds each campaign's population counters (who claimed, how many of them
 * thin, its coupons cashed out) as well as the velocity counters, so the first claims after a restart read what the last ones before it
 * read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/node/clock.js';
import { compose, type Composed } from '../../src/app/compose.js';
import { loadConfig } from '../../src/app/config.js';
import { placeOrder } from '../../src/core/orders/use-cases.js';
import type { ClaimId } from '../../src/core/shared/ids.js';
import { tempDb } from '../load-helpers.js';
import { T0 } from '../helpers.js';
import { campaign, claim, randomPhone, rng } from './risk-helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function open(path: string, at: number): Promise<Composed & { clock: ManualClock }> {
  const clock = new ManualClock(at);
  const s = compose(loadConfig({}, { dbPath: path, synchronous: 'NORMAL' }), { clock, risk: true, onlineRings: false });
  await s.risk!.ready;
  return { ...s, clock };
}

describe('risk counters after a restart', () => {
  it("a campaign's population (thin claimants in the last hour) reads the same before and after", async () => {
    const db = tempDb();
    cleanups.push(db.cleanup);
    const r = rng(5);
    let s = await open(db.path, T0);
    const c = await campaign(s);
    // Twelve claimants whose accounts are an hour old (thin), on their own devices and networks.
    for (let i = 0; i < 12; i++) {
      s.clock.advance(10_000);
      await claim(s, { campaignId: c.id, channel: 'app', account: { id: `fresh-${i}`, createdAt: s.clock.now() - 3_600_000, phone: randomPhone(r), deviceId: `dev-${i}`, ip: `10.40.${i}.7` } });
    }
    s.clock.advance(5_000);
    const probe = (id: string) => ({ campaignId: c.id, channel: 'app' as const, account: { id, createdAt: s.clock.now() - 400 * 86_400_000, phone: randomPhone(r), deviceId: `own-${id}`, ip: '10.99.0.1' } });
    const before = await claim(s, probe('old-1'));
    const thinBefore = (await s.deps.store.claims.get(before.claimId))!.signals['campaign.thin_claims_1h'];
    expect(thinBefore).toBe(12);
    const at = s.clock.now();
    await s.close();

    s = await open(db.path, at + 5_000);
    cleanups.push(() => s.close());
    const after = await claim(s, probe('old-2'));
    expect((await s.deps.store.claims.get(after.claimId))!.signals['campaign.thin_claims_1h']).toBe(thinBefore);
  });

  it("a campaign's cash-outs (orders spending its coupons in full on phone top-ups) read the same before and after", async () => {
    const db = tempDb();
    cleanups.push(db.cleanup);
    const r = rng(6);
    let s = await open(db.path, T0);
    const c = await campaign(s);
    for (let i = 0; i < 6; i++) {
      s.clock.advance(20_000);
      const g = await claim(s, { campaignId: c.id, channel: 'app', account: { id: `buyer-${i}`, createdAt: s.clock.now() - 300 * 86_400_000, phone: randomPhone(r), deviceId: `dev-${i}`, ip: `10.41.${i}.7` } });
      expect(g.couponId).toBeTruthy();
      s.clock.advance(5_000);
      const o = await placeOrder(
        s.deps,
        { accountId: `buyer-${i}`, couponIds: [g.couponId!], items: [{ sku: 'topup-100', category: 'virtual_topup', unitPriceFen: 10_000, quantity: 1, topupTarget: { kind: 'phone', value: `1590000${String(1000 + i)}` } }] },
        { scope: 'shop', idempotencyKey: `o-${i}` },
      );
      expect(o.ok && o.value.coupons.length).toBe(1);
    }
    s.clock.advance(5_000);
    const probe = (id: string) => ({ campaignId: c.id, channel: 'app' as const, account: { id, createdAt: s.clock.now() - 400 * 86_400_000, phone: randomPhone(r), deviceId: `own-${id}`, ip: '10.99.0.2' } });
    const read = async (claimId: ClaimId) => (await s.deps.store.claims.get(claimId))!.signals['campaign.cashout_redemptions_24h'];
    const before = await read((await claim(s, probe('old-3'))).claimId);
    expect(before).toBeGreaterThan(0);
    const at = s.clock.now();
    await s.close();

    s = await open(db.path, at + 5_000);
    cleanups.push(() => s.close());
    expect(await read((await claim(s, probe('old-4'))).claimId)).toBe(before);
  });
});
