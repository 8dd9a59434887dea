/**
 * The store contract: one suite, run against every Store adapter on its real engine. Today that is
 * SQLite (file and memory); the PostgreSQL + Redis adapter joins the ADAPTERS list when it lands.
 * It drives the adapters through the core use cases, so it checks exactly what the claim and
 * order paths rely on: atomic check-and-consume, idempotency, state transitions, the audit chain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/node/clock.js';
import { hmacCodeSigner, hmacHasher, sha256 } from '../src/adapters/node/crypto.js';
import { ulidGenerator } from '../src/adapters/node/ids.js';
import { sqliteStore } from '../src/adapters/sqlite/index.js';
import { celCompiler } from '../src/adapters/cel/compiler.js';
import { verifyAuditChain } from '../src/core/audit/audit.js';
import { changeCampaignState, createCampaign } from '../src/core/campaigns/use-cases.js';
import type { CampaignInput } from '../src/core/campaigns/campaign.js';
import { claimCoupon, type ClaimRequest } from '../src/core/claims/claim-coupon.js';
import { passThroughPolicy } from '../src/core/claims/policy.js';
import { codeText, issueCodeBatch, revokeCodeBatch } from '../src/core/codes/use-cases.js';
import type { CoreDeps } from '../src/core/deps.js';
import { actOnOrder, placeOrder } from '../src/core/orders/use-cases.js';
import type { CampaignId, CouponId, OrderId } from '../src/core/shared/ids.js';
import type { Store } from '../src/ports/store.js';
import { account, campaignInput, HOUR, T0 } from './helpers.js';

interface AdapterCase {
  name: string;
  open(): { store: Store; cleanup(): void };
}

const ADAPTERS: AdapterCase[] = [
  { name: 'sqlite (memory)', open: () => ({ store: sqliteStore({ path: ':memory:' }, sha256), cleanup: () => {} }) },
  {
    name: 'sqlite (file, FULL)',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'cg-contract-'));
      return { store: sqliteStore({ path: join(dir, 'db.sqlite'), synchronous: 'FULL' }, sha256), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

describe.each(ADAPTERS)('store contract: $name', (adapter) => {
  let d: CoreDeps;
  let clock: ManualClock;
  let cleanup: () => void;

  beforeEach(() => {
    const opened = adapter.open();
    cleanup = () => {
      void opened.store.close();
      opened.cleanup();
    };
    clock = new ManualClock(T0);
    d = {
      store: opened.store,
      clock,
      ids: ulidGenerator(clock),
      signer: hmacCodeSigner({ k1: 'contract-secret' }, 'k1'),
      hasher: hmacHasher('pii-secret'),
      sha256,
      policy: passThroughPolicy,
      rules: celCompiler(),
    };
  });
  afterEach(() => cleanup());

  const campaign = async (over: Partial<CampaignInput> = {}) => {
    const r = await createCampaign(d, campaignInput(over), 'contract');
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  let n = 0;
  const claim = async (campaignId: CampaignId, over: Partial<ClaimRequest> = {}, key = `k-${n++}`) => {
    const r = await claimCoupon(d, { campaignId, channel: 'app', account: account(), ...over }, { scope: 'contract', idempotencyKey: key });
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };

  it('grants up to the count budget and no further, and usage equals grants', async () => {
    const c = await campaign({ budget: { count: 3, moneyFen: 1_000_000 } });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await claim(c.id));
    expect(results.map((r) => r.decision)).toEqual(['allow', 'allow', 'allow', 'deny', 'deny']);
    expect(results[3]!.reasons[0]!.code).toBe('BUDGET_COUNT_EXHAUSTED');
    expect(await d.store.campaigns.usage(c.id)).toEqual({ grantedCount: 3, grantedFen: 30_000 });
  });

  it('stops at the money budget', async () => {
    const c = await campaign({ budget: { count: 100, moneyFen: 25_000 } });
    const r = [await claim(c.id), await claim(c.id), await claim(c.id)];
    expect(r.map((x) => x.decision)).toEqual(['allow', 'allow', 'deny']);
    expect(r[2]!.reasons[0]!.code).toBe('BUDGET_MONEY_EXHAUSTED');
  });

  it('holds the per-account and per-identity limits across accounts', async () => {
    const c = await campaign({ limits: { perIdentity: 1, perAccount: 2 } });
    const a = account();
    expect((await claim(c.id, { account: { ...a, identity: undefined } })).decision).toBe('allow');
    const again = await claim(c.id, { account: { ...a, identity: undefined } });
    expect(again.decision).toBe('deny');
    expect(again.reasons[0]!.code).toBe('PHONE_LIMIT_REACHED');
    const shared = account().identity;
    expect((await claim(c.id, { account: { ...account(), identity: shared } })).decision).toBe('allow');
    const second = await claim(c.id, { account: { ...account(), identity: shared } });
    expect(second.reasons[0]!.code).toBe('IDENTITY_LIMIT_REACHED');
  });

  it('replays an idempotent claim and refuses the key with another body', async () => {
    const c = await campaign();
    const req = { campaignId: c.id, channel: 'app' as const, account: account() };
    const first = await claimCoupon(d, req, { scope: 's', idempotencyKey: 'same' });
    const again = await claimCoupon(d, req, { scope: 's', idempotencyKey: 'same' });
    expect(again).toEqual(first);
    const other = await claimCoupon(d, { ...req, account: account() }, { scope: 's', idempotencyKey: 'same' });
    expect(other.ok).toBe(false);
    expect(await d.store.campaigns.usage(c.id)).toEqual({ grantedCount: 1, grantedFen: 10_000 });
  });

  it('consumes code uses atomically and honours batch revocation', async () => {
    const c = await campaign({ channels: ['offline_event'], special: true, limits: { perIdentity: 5, perAccount: 5 } });
    const batch = await issueCodeBatch(d, { campaignId: c.id, event: 'tv', count: 2, useLimit: 2, expiresAt: T0 + HOUR }, 'contract');
    if (!batch.ok) throw new Error(batch.error.message);
    const [c1, c2] = (await d.store.codes.listCodes(batch.value.id, { limit: 10 })).items;
    const text1 = codeText(d, c1!);
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await claim(c.id, { channel: 'offline_event', code: text1 }));
    expect(got.map((g) => g.decision)).toEqual(['allow', 'allow', 'deny']);
    expect(got[2]!.reasons[0]!.code).toBe('CODE_USED_UP');
    expect((await d.store.codes.getCode(c1!.id))!.uses).toBe(2);
    await revokeCodeBatch(d, batch.value.id, 'contract');
    const revoked = await claim(c.id, { channel: 'offline_event', code: codeText(d, c2!) });
    expect(revoked.reasons[0]!.code).toBe('CODE_REVOKED');
  });

  it('denies a paused campaign inside the atomic unit, and grants again after resume', async () => {
    const c = await campaign();
    await changeCampaignState(d, c.id, 'pause', 'contract');
    expect((await claim(c.id)).reasons[0]!.code).toBe('CAMPAIGN_PAUSED');
    await changeCampaignState(d, c.id, 'resume', 'contract');
    expect((await claim(c.id)).decision).toBe('allow');
  });

  it('redeems a coupon on one order only, and restores it on cancel', async () => {
    const c = await campaign({ limits: { perIdentity: 1, perAccount: 1 } });
    const a = account();
    const granted = await claim(c.id, { account: a });
    const order = (key: string) =>
      placeOrder(d, { accountId: a.id, items: [{ sku: 's', category: 'physical', unitPriceFen: 50_000, quantity: 1 }], couponIds: [granted.couponId!] }, { scope: 'contract', idempotencyKey: key });
    const o1 = await order('o1');
    const o2 = await order('o2');
    expect(o1.ok && o1.value.status).toBe('placed');
    expect(o2.ok && o2.value.status).toBe('rejected');
    if (!o1.ok) throw new Error('unreachable');
    await actOnOrder(d, o1.value.orderId as OrderId, 'cancel', 'contract', false);
    expect((await d.store.coupons.get(granted.couponId as CouponId))!.status).toBe('available');
    const o3 = await order('o3');
    expect(o3.ok && o3.value.status).toBe('placed');
  });

  it('feeds the claim log in commit order, whole or as the summaries the monitor reads', async () => {
    const c = await campaign({ budget: { count: 2, moneyFen: 2 * 10_000 } });
    for (let i = 0; i < 4; i++) await claim(c.id);
    const whole = await d.store.claims.tail(0, 100);
    const summaries = await d.store.claims.tailSummaries(0, 100);
    expect(whole.map((r) => r.seq)).toEqual(summaries.map((r) => r.seq));
    expect(summaries.map((r) => r.claim.decision)).toEqual(['allow', 'allow', 'deny', 'deny']);
    summaries.forEach(({ claim: sum }, i) => {
      const r = whole[i]!.record;
      expect(sum).toEqual({ at: r.at, campaignId: r.campaignId, channel: r.channel, decision: r.decision, faceValueFen: r.faceValueFen, accountId: r.accountId, deviceId: r.deviceId, ip: r.ip, phone: r.phone, codeId: r.codeId, reasons: r.reasons });
    });
    expect(await d.store.claims.tailSummaries(whole[1]!.seq, 1)).toHaveLength(1);
  });

  it('keeps a verifiable audit chain of operator actions', async () => {
    const c = await campaign();
    await changeCampaignState(d, c.id, 'pause', 'alice');
    await changeCampaignState(d, c.id, 'resume', 'bob');
    const entries = [];
    for await (const e of d.store.audit.all()) entries.push(e);
    expect(entries.map((e) => e.action)).toEqual(['campaign.create', 'campaign.pause', 'campaign.resume']);
    expect(entries[1]!.actor).toBe('alice');
    expect(verifyAuditChain(sha256, entries)).toEqual({ ok: true, count: 3 });
  });
});

describe('migrations', () => {
  it('have unique versions, so none is silently skipped on a fresh database', async () => {
    const { MIGRATIONS } = await import('../src/adapters/sqlite/migrations.js');
    const versions = MIGRATIONS.map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
  });
});
