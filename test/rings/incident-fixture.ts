/**
 * A crafted incident driven through the real claim, order and account-event paths: normal traffic
 * (accounts with months of history, everyday campaigns, purchases of popular products), a SIM-farm
 * ring (fresh accounts on consecutive numbers, a rack of shared devices, three IPs, bought
 * identities) that claims a special event coupon through a leaked platform code within half an
 * hour and cashes out to a few phone top-up targets — camouflaged with purchases of popular
 * products — and then swept-in consumers: ordinary accounts that claim through the same code
 * over the following hours.
 */
import { recordAccountEvent } from '../../src/core/accounts/use-cases.js';
import { claimCoupon } from '../../src/core/claims/claim-coupon.js';
import { codeText, issueCodeBatch } from '../../src/core/codes/use-cases.js';
import { placeOrder } from '../../src/core/orders/use-cases.js';
import type { CampaignId, CouponId } from '../../src/core/shared/ids.js';
import { HOUR, lockedCampaignInput, makeCampaign, uniqueResidentId, type TestSystem } from '../helpers.js';
import { rng } from '../risk/risk-helpers.js';

const DAY = 24 * HOUR;
const MIN = 60_000;

export interface IncidentSpec {
  readonly normal: number;
  readonly ring: number;
  readonly sweptIn: number;
  readonly seed: number;
}

export interface Incident {
  readonly special: CampaignId;
  readonly ring: Set<string>;
  readonly sweptIn: Set<string>;
  readonly normal: Set<string>;
  readonly from: number;
}

let keys = 0;
const key = () => `inc-${keys++}`;

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

export async function runIncident(s: TestSystem, spec: IncidentSpec): Promise<Incident> {
  const r = rng(spec.seed);
  const d = s.deps;
  const start = s.clock.now();
  const everyday = await Promise.all([0, 1, 2].map((k) => makeCampaign(s, { name: `everyday ${k}`, budget: { count: 100_000, moneyFen: 100_000 * 10_000 }, limits: { perIdentity: 3, perAccount: 3 } })));
  const special = await makeCampaign(s, lockedCampaignInput({ budget: { count: 100_000, moneyFen: 100_000 * 10_000 } }));
  const batch = must(await issueCodeBatch(d, { campaignId: special.id, event: 'TV recording', count: 1, useLimit: 100_000, expiresAt: start + 2 * DAY }, 'test'));
  const leaked = codeText(d, (await d.store.codes.listCodes(batch.id, { limit: 1 })).items[0]!);
  const popular = () => `sku-${Math.floor(r() ** 3 * 200)}`;
  const phone = () => `1${['38', '39', '58', '86', '89'][Math.floor(r() * 5)]}${String(Math.floor(r() * 1e8)).padStart(8, '0')}`;
  let person = 1_000_000 + spec.seed * 100_000;

  /** An ordinary account: registered months ago, some purchases, a household IP shared with family. */
  const ordinary = async (id: string, household: number) => {
    const identity = { number: uniqueResidentId(person++), verified: true };
    const ctx = { phone: phone(), deviceId: `dev-${id}`, ip: `10.${(household >> 8) & 255}.${household & 255}.${1 + Math.floor(r() * 3)}` };
    const registered = start - Math.floor(60 + r() * 600) * DAY;
    must(await recordAccountEvent(d, { type: 'registration', accountId: id, at: registered, ...ctx, identity }));
    const buys = 1 + Math.floor(r() * 4);
    for (let b = 0; b < buys; b++) must(await recordAccountEvent(d, { type: 'purchase', accountId: id, at: registered + Math.floor(r() * 50) * DAY, ...ctx, amountFen: 5_000 }));
    return { ...ctx, identity, registered };
  };

  // Normal traffic during the day: everyday claims and popular purchases.
  const normal = new Set<string>();
  for (let i = 0; i < spec.normal; i++) {
    const id = `n${spec.seed}-${i}`;
    normal.add(id);
    const ctx = await ordinary(id, Math.floor(i / 3));
    s.clock.advance(Math.floor(r() * 20_000));
    for (const c of everyday.slice(0, Math.floor(r() * 3)))
      must(await claimCoupon(d, { campaignId: c.id, channel: 'app', account: { id, createdAt: ctx.registered, ...ctx } }, { scope: 'test', idempotencyKey: key() }));
    must(await placeOrder(d, { accountId: id, items: [{ sku: popular(), category: 'physical', unitPriceFen: 3_000, quantity: 1 }], couponIds: [], deviceId: ctx.deviceId, ip: ctx.ip }, { scope: 'test', idempotencyKey: key() }));
  }

  // 01:00: the ring claims through the leaked code in half an hour and cashes out at once.
  const ring = new Set<string>();
  const segment = `170${String(1000 + Math.floor(r() * 8000))}`;
  let num = 100;
  const targets = Array.from({ length: 5 }, (_, k) => `1880000${String(spec.seed % 10)}${String(k).padStart(3, '0')}`);
  for (let i = 0; i < spec.ring; i++) {
    const id = `farm${spec.seed}-${i}`;
    ring.add(id);
    num += 1 + Math.floor(r() * 2);
    s.clock.advance(Math.floor((30 * MIN) / spec.ring));
    const account = {
      id,
      createdAt: s.clock.now() - Math.floor(r() * 3) * HOUR,
      phone: `${segment}${String(num).padStart(4, '0')}`,
      deviceId: `rack-${spec.seed}-${Math.floor(i / 20)}`,
      ip: `172.16.${spec.seed % 200}.${Math.floor(i / 100) + 1}`,
      identity: { number: uniqueResidentId(person++), verified: true },
    };
    const c = must(await claimCoupon(d, { campaignId: special.id, channel: 'offline_event', code: leaked, account }, { scope: 'test', idempotencyKey: key() }));
    const target = targets[Math.floor(r() * targets.length)]!;
    must(
      await placeOrder(
        d,
        { accountId: id, items: [{ sku: 'phone-topup-100', category: 'virtual_topup', unitPriceFen: 10_000, quantity: 1, topupTarget: { kind: 'phone', value: target } }], couponIds: c.couponId ? [c.couponId as CouponId] : [], deviceId: account.deviceId, ip: account.ip },
        { scope: 'test', idempotencyKey: key() },
      ),
    );
    // Camouflage: ordinary purchases of popular products.
    for (let b = 0; b < 3; b++)
      must(await placeOrder(d, { accountId: id, items: [{ sku: popular(), category: 'physical', unitPriceFen: 3_000, quantity: 1 }], couponIds: [], deviceId: account.deviceId, ip: account.ip }, { scope: 'test', idempotencyKey: key() }));
  }

  // The following hours: the code spreads through social groups to ordinary consumers.
  const sweptIn = new Set<string>();
  for (let i = 0; i < spec.sweptIn; i++) {
    const id = `s${spec.seed}-${i}`;
    sweptIn.add(id);
    const ctx = await ordinary(id, 10_000 + Math.floor(i / 2));
    s.clock.advance(Math.floor((8 * HOUR) / spec.sweptIn));
    must(await claimCoupon(d, { campaignId: special.id, channel: 'offline_event', code: leaked, account: { id, createdAt: ctx.registered, ...ctx } }, { scope: 'test', idempotencyKey: key() }));
  }
  return { special: special.id, ring, sweptIn, normal, from: start - 2 * 365 * DAY };
}
