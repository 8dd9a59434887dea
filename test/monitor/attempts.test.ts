/**
 * What the monitor sees when nothing is granted: a burst of refused attempts on a special coupon
 * (the risk engine or the limits are holding, but an attack is under way), and forged QR codes.
 */
import { afterEach, expect, it } from 'vitest';
import { hmacCodeSigner } from '../../src/adapters/node/crypto.js';
import { claimCoupon } from '../../src/core/claims/claim-coupon.js';
import { encodeClaimCode } from '../../src/core/codes/claim-code.js';
import { account, makeCampaign, testSystem, type TestSystem } from '../helpers.js';

let s: TestSystem;
afterEach(async () => s?.shutdown());

it('a burst of refused claims on a special coupon type alerts and pauses it', async () => {
  s = await testSystem();
  const c = await makeCampaign(s, { name: 'event', couponType: 'tv-guest', special: true, requireCode: true, channels: ['app', 'offline_event'], startsAt: s.clock.now() - 3 * 86_400_000 });
  const shared = account().identity;
  // One identity, many accounts: the first gets nothing (no code), all are refused.
  for (let i = 0; i < 40; i++) {
    s.clock.advance(1_000);
    const r = await claimCoupon(s.deps, { campaignId: c.id, channel: 'app', account: { ...account(), identity: shared } }, { scope: 't', idempotencyKey: `a${i}` });
    expect(r.ok && r.value.decision).toBe('deny');
  }
  const f = await s.monitor.tick();
  const hit = f.find((x) => x.rule === 'attempt-spike' && x.scope.kind === 'type');
  expect(hit).toMatchObject({ severity: 'critical', autoPause: true });
  expect((await s.deps.store.monitoring.activePauses()).map((p) => p.value)).toEqual(['tv-guest']);
});

it('forged claim codes raise an alert of their own, without pausing anything', async () => {
  s = await testSystem();
  const c = await makeCampaign(s, { name: 'event', special: true, channels: ['offline_event'] });
  const forger = hmacCodeSigner({ k1: 'not-the-platform-key' }, 'k1');
  for (let i = 0; i < 30; i++) {
    s.clock.advance(1_000);
    const code = encodeClaimCode({ keyId: 'k1', campaignId: c.id, batchId: 'bat_01HZX3M0000000000000000001' as never, codeId: `cod_01HZX3M00000000000000000${String(i).padStart(2, '0')}`.replace(/[ILOU]/g, '0') as never, useLimit: 1, expiresAt: s.clock.now() + 3_600_000, nonce: `n${i}` }, forger);
    const r = await claimCoupon(s.deps, { campaignId: c.id, channel: 'offline_event', code, account: account() }, { scope: 't', idempotencyKey: `f${i}` });
    expect(r.ok && r.value.reasons[0]!.code).toBe('CODE_FORGED');
  }
  const f = await s.monitor.tick();
  const forged = f.find((x) => x.rule === 'forged-codes' && x.scope.kind === 'campaign');
  expect(forged).toMatchObject({ severity: 'critical', autoPause: false });
  expect(forged!.title).toMatch(/forged or malformed claim codes/);
  expect((await s.deps.store.campaigns.get(c.id))!.state).toBe('active');
});

it('a spike on a channel the operators let the breaker pause pauses that channel everywhere', async () => {
  const { ManualClock } = await import('../../src/adapters/node/clock.js');
  const { compose } = await import('../../src/app/compose.js');
  const { loadConfig } = await import('../../src/app/config.js');
  const { campaignInput, T0 } = await import('../helpers.js');
  const { createCampaign } = await import('../../src/core/campaigns/use-cases.js');
  const clock = new ManualClock(T0);
  const sys = compose(loadConfig({}, { dbPath: ':memory:', autoPauseChannels: ['web'] }), { clock, risk: false, monitor: { tickMs: 0 } });
  try {
    const c = await createCampaign(sys.deps, campaignInput({ channels: ['web', 'app'], startsAt: T0 - 3 * 86_400_000, limits: { perIdentity: 100, perAccount: 100 } }), 'op');
    if (!c.ok) throw new Error(c.error.message);
    for (let i = 0; i < 40; i++) {
      clock.advance(1_000);
      await claimCoupon(sys.deps, { campaignId: c.value.id, channel: 'web', account: account() }, { scope: 't', idempotencyKey: `w${i}` });
    }
    const f = await sys.monitor.tick();
    expect(f.find((x) => x.scope.kind === 'channel' && x.scope.value === 'web')).toMatchObject({ rule: 'spike', autoPause: true });
    expect((await sys.deps.store.monitoring.activePauses()).map((p) => `${p.kind}:${p.value}`)).toEqual(['channel:web']);
    const blocked = await claimCoupon(sys.deps, { campaignId: c.value.id, channel: 'web', account: account() }, { scope: 't', idempotencyKey: 'after' });
    expect(blocked.ok && blocked.value.reasons[0]!.code).toBe('CHANNEL_PAUSED');
    const app = await claimCoupon(sys.deps, { campaignId: c.value.id, channel: 'app', account: account() }, { scope: 't', idempotencyKey: 'app' });
    expect(app.ok && app.value.decision).toBe('allow');
  } finally {
    await sys.close();
  }
});
