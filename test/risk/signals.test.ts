/**
 * Each signal family on crafted traffic, read back from the signals stored with the decision.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/risk/default-policy.js';
import { phoneFacts } from '../../src/core/risk/phone.js';
import { publishPolicy } from '../../src/core/risk/use-cases.js';
import { claim, campaign, idNumber, riskSystem, type RiskSystem } from './risk-helpers.js';

const HOUR = 3_600_000;
let s: RiskSystem;
afterEach(async () => s?.close());

/** Publishes a policy whose single never-firing rule reads every signal we want to see. */
async function readAll(sys: RiskSystem, exprs: string[]) {
  const rules = [...DEFAULT_POLICY.rules.filter((r) => r.appliesTo === 'order'), { id: 'probe', appliesTo: 'claim' as const, when: `false && (${exprs.join(' || ')})`, action: 'deny' as const, score: 0, reason: 'PROBE', description: 'reads signals' }];
  const r = await publishPolicy(sys.deps, sys.deps.rules, { thresholds: DEFAULT_POLICY.thresholds, rules }, 'live', 'test', 'probe');
  if (!r.ok) throw new Error(r.error.message);
  await sys.risk!.refresh(true);
}

const signalsOf = async (sys: RiskSystem, claimId: string) => (await sys.deps.store.claims.get(claimId as never))!.signals;

describe('phone facts', () => {
  it('knows virtual-operator, IoT and carrier ranges', () => {
    expect(phoneFacts('17012345678')).toMatchObject({ carrier: 'virtual', virtual: true, segment: '1701234' });
    expect(phoneFacts('16512345678').virtual).toBe(true);
    expect(phoneFacts('16712345678').virtual).toBe(true);
    expect(phoneFacts('17112345678').virtual).toBe(true);
    expect(phoneFacts('16212345678').virtual).toBe(true);
    expect(phoneFacts('14412345678')).toMatchObject({ carrier: 'iot', iot: true });
    expect(phoneFacts('13812345678')).toMatchObject({ carrier: 'china_mobile', virtual: false });
    expect(phoneFacts('18612345678').carrier).toBe('china_unicom');
    expect(phoneFacts('19912345678').carrier).toBe('china_telecom');
  });
});

describe('claim signals', () => {
  it('velocity per device, IP, /24, segment, identity and campaign, with distinct accounts', async () => {
    s = await riskSystem();
    await readAll(s, [
      'velocity.device_claims_1m > 0.0', 'velocity.device_accounts_1h > 0.0', 'velocity.ip_claims_10m > 0.0', 'velocity.ip24_accounts_10m > 0.0',
      'velocity.segment_accounts_1h > 0.0', 'velocity.identity_claims_24h > 0.0', 'velocity.campaign_claims_1m > 0.0', 'velocity.device_denials_1h > 0.0',
      'velocity.account_claims_24h > 0.0',
    ]);
    const c = await campaign(s, { limits: { perIdentity: 1, perAccount: 1 } });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      s.clock.advance(5_000);
      const r = await claim(s, {
        campaignId: c.id,
        channel: 'app',
        account: { id: `a${i % 3}`, phone: `1380013${String(1000 + i * 37).padStart(4, '0')}`, deviceId: 'dev-1', ip: `198.51.100.${i % 2}`, identity: { number: idNumber(i % 2), verified: true } },
      });
      ids.push(r.claimId);
    }
    const last = await signalsOf(s, ids[5]!);
    expect(last['velocity.device_claims_1m']).toBe(6);
    expect(last['velocity.device_accounts_1h']).toBe(3);
    expect(last['velocity.ip_claims_10m']).toBe(3); // 198.51.100.1 on odd claims
    expect(last['velocity.ip24_accounts_10m']).toBe(3);
    expect(last['velocity.segment_accounts_1h']).toBe(3);
    expect(last['velocity.identity_claims_24h']).toBe(3);
    expect(last['velocity.campaign_claims_1m']).toBe(6);
    expect(last['velocity.account_claims_24h']).toBe(2);
    // Two identities: a0 and a1 got coupons; claims 3–5 hit the identity or account limits (the
    // sixth is being decided, so its own denial is not counted yet).
    expect(last['velocity.device_denials_1h']).toBe(3);
    // Windows move: an hour later the minute window is empty again.
    s.clock.advance(HOUR);
    const later = await claim(s, { campaignId: c.id, channel: 'app', account: { id: 'a9', deviceId: 'dev-1' } });
    expect((await signalsOf(s, later.claimId))['velocity.device_claims_1m']).toBe(1);
  });

  it('links: accounts sharing an identity, phone, device or network', async () => {
    s = await riskSystem();
    await readAll(s, ['links.identity_accounts > 0.0', 'links.phone_accounts > 0.0', 'links.device_accounts > 0.0', 'links.ip24_accounts > 0.0']);
    const c = await campaign(s, { limits: { perIdentity: 5, perAccount: 5, perPhone: 5 } });
    let id = '';
    for (let i = 0; i < 4; i++) {
      s.clock.advance(1_000);
      id = (await claim(s, { campaignId: c.id, channel: 'app', account: { id: `acct-${i}`, phone: '13800138000', deviceId: `d${i % 2}`, ip: `192.0.2.${i}`, identity: { number: idNumber(42), verified: true } } })).claimId;
    }
    expect(await signalsOf(s, id)).toMatchObject({ 'links.identity_accounts': 4, 'links.phone_accounts': 4, 'links.device_accounts': 2, 'links.ip24_accounts': 4 });
  });

  it('account age, history and phone facts', async () => {
    s = await riskSystem();
    await readAll(s, ['account.age_hours > 0.0', 'account.known', 'account.purchases > 0.0', 'phone.virtual', 'phone.carrier == ""', 'account.verified']);
    const c = await campaign(s);
    await s.deps.store.accounts.recordEvent({ type: 'purchase', accountId: 'old' as never, at: s.clock.now() - 1000, phone: null, deviceId: null, ip: null, identityHash: null, identityVerified: false, amountFen: 8_800 });
    const r = await claim(s, { campaignId: c.id, channel: 'app', account: { id: 'old', createdAt: s.clock.now() - 48 * HOUR, phone: '17112345678' } });
    expect(await signalsOf(s, r.claimId)).toMatchObject({ 'account.age_hours': 48, 'account.known': true, 'account.purchases': 1, 'phone.virtual': true, 'phone.carrier': 'virtual', 'account.verified': false });
    const fresh = await claim(s, { campaignId: c.id, channel: 'app', account: { id: 'new', phone: '13912345678' } });
    expect(await signalsOf(s, fresh.claimId)).toMatchObject({ 'account.age_hours': -1, 'account.known': false, 'phone.virtual': false });
  });
});

describe('order signals', () => {
  it('cash-out category, shared top-up target, seconds since claim and coupon ratio', async () => {
    s = await riskSystem();
    const c = await campaign(s, { template: { discount: { kind: 'fixed', amountFen: 5_000 } } });
    const { placeOrder } = await import('../../src/core/orders/use-cases.js');
    let last;
    for (let i = 0; i < 3; i++) {
      const g = await claim(s, { campaignId: c.id, channel: 'app', account: { id: `o${i}`, createdAt: s.clock.now() - 900 * 24 * HOUR } });
      s.clock.advance(90_000);
      const r = await placeOrder(
        s.deps,
        { accountId: `o${i}`, items: [{ sku: 'qb', category: 'game_currency', unitPriceFen: 10_000, quantity: 1, topupTarget: { kind: 'qq', value: '10001' } }], couponIds: [g.couponId!] },
        { scope: 't', idempotencyKey: `o${i}` },
      );
      if (!r.ok) throw new Error(r.error.message);
      last = await s.deps.store.orders.get(r.value.orderId);
    }
    expect(last!.signals).toMatchObject({ 'order.cashout': true, 'order.target_accounts': 3, 'order.seconds_since_claim': 90, 'order.coupon_ratio': 0.5 });
    expect(last!.status).toBe('held');
  });
});
