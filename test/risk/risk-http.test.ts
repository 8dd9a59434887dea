/**
 * The risk engine through the public API: held cash-out orders and their review, policy
 * publishing with errors refused at their position, lists, challenges and shadow mode.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { solveChallenge } from '../../src/core/claims/challenge.js';
import { sha256 } from '../../src/adapters/node/crypto.js';
import { DEFAULT_POLICY } from '../../src/core/risk/default-policy.js';
import { campaign, idNumber, randomPhone, riskHttpSystem, rng, type RiskHttpSystem } from './risk-helpers.js';

const HOUR = 3_600_000;
let s: RiskHttpSystem;
afterEach(async () => s?.close());

let key = 0;
const post = (url: string, role: Parameters<RiskHttpSystem['auth']>[0], payload: unknown, idem = true) =>
  s.app.inject({ method: 'POST', url, headers: { ...s.auth(role), ...(idem ? { 'idempotency-key': `k-${key++}` } : {}) }, payload: payload as object });

function oldAccount(i: number, r: () => number) {
  return {
    id: `user-${i}`,
    createdAt: new Date(s.clock.now() - 400 * 24 * HOUR).toISOString(),
    phone: randomPhone(r),
    deviceId: `device-${i}`,
    ip: `${20 + (i % 200)}.${i % 250}.${Math.floor(r() * 250)}.7`,
    identity: { number: idNumber(70_000 + i), verified: true },
  };
}

describe('cash-out orders', () => {
  it('holds a top-up to a target shared by many accounts; approve releases, reject cancels', async () => {
    s = await riskHttpSystem();
    const c = await campaign(s);
    const r = rng(3);
    const orders: { orderId: string; status: string; reasons: { code: string }[] }[] = [];
    for (let i = 0; i < 5; i++) {
      s.clock.advance(60_000);
      const claim = (await post('/v1/claims', 'client', { campaignId: c.id, channel: 'app', account: oldAccount(i, r) })).json();
      expect(claim.decision).toBe('allow');
      s.clock.advance(3 * 60_000);
      const res = await post('/v1/orders', 'client', {
        accountId: `user-${i}`,
        // ¥500 of credit with a ¥100 coupon: part-paid, so only the shared target holds it (a coupon
        // paying a whole top-up is held on its own: CASHOUT_FULL_VALUE).
        items: [{ sku: 'mobile-topup-500', category: 'virtual_topup', unitPriceFen: 50_000, quantity: 1, topupTarget: { kind: 'phone', value: '13912345678' } }],
        couponIds: [claim.couponId],
      });
      expect(res.statusCode).toBe(201);
      orders.push(res.json());
    }
    expect(orders.slice(0, 2).map((o) => o.status)).toEqual(['placed', 'placed']);
    const held = orders.slice(2);
    for (const o of held) {
      expect(o.status).toBe('held');
      expect(o.reasons.map((x) => x.code)).toContain('CASHOUT_SHARED_TARGET');
    }
    const queue = (await s.app.inject({ method: 'GET', url: '/v1/review/orders', headers: s.auth('analyst') })).json();
    expect(queue.items.map((o: { id: string }) => o.id).sort()).toEqual(held.map((o) => o.orderId).sort());
    // A held order cannot be fulfilled before review.
    expect((await post(`/v1/orders/${held[0]!.orderId}/fulfil`, 'client', {}, false)).statusCode).toBe(409);

    const approved = await post(`/v1/review/orders/${held[0]!.orderId}`, 'analyst', { verdict: 'approve', note: 'known family account' }, false);
    expect(approved.json().status).toBe('placed');
    expect((await post(`/v1/orders/${held[0]!.orderId}/fulfil`, 'client', {}, false)).json().status).toBe('fulfilled');

    const rejected = await post(`/v1/review/orders/${held[1]!.orderId}`, 'analyst', { verdict: 'reject', note: 'ring' }, false);
    expect(rejected.json().status).toBe('cancelled');
    // Reviewing twice is refused and changes nothing.
    expect((await post(`/v1/review/orders/${held[1]!.orderId}`, 'analyst', { verdict: 'approve' }, false)).statusCode).toBe(409);
    const audit = (await s.app.inject({ method: 'GET', url: '/v1/audit?limit=500', headers: s.auth('auditor') })).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['review.order.approve', 'review.order.reject']));
  });
});

describe('policy publishing', () => {
  const withRule = (when: string) => ({
    thresholds: DEFAULT_POLICY.thresholds,
    rules: [...DEFAULT_POLICY.rules, { id: 'analyst-new', appliesTo: 'claim', when, action: 'deny', score: 10, reason: 'ANALYST_NEW', description: 'new rule' }],
  });

  it('refuses a syntax error and a type error with the position, and the live policy stays', async () => {
    s = await riskHttpSystem();
    const before = (await s.app.inject({ method: 'GET', url: '/v1/policies', headers: s.auth('analyst') })).json();
    const syntax = await post('/v1/policies', 'analyst', { policy: withRule('velocity.device_claims_1m >= '), status: 'live' }, false);
    expect(syntax.statusCode).toBe(400);
    expect(syntax.json().code).toBe('VALIDATION_FAILED');
    expect(syntax.json().message).toMatch(/analyst-new.*line 1, column \d+/);
    const type = await post('/v1/policies', 'analyst', { policy: withRule('phone.carrier > 3.0 && account.verified'), status: 'live' }, false);
    expect(type.statusCode).toBe(400);
    expect(type.json().message).toMatch(/analyst-new.*no such overload.*line 1, column 1/);
    const unknown = await post('/v1/policies', 'analyst', { policy: withRule('phone.no_such_signal'), status: 'live' }, false);
    expect(unknown.json().message).toMatch(/unknown signal phone.no_such_signal/);
    const after = (await s.app.inject({ method: 'GET', url: '/v1/policies', headers: s.auth('analyst') })).json();
    expect(after).toEqual(before);
    const validate = (await post('/v1/policies/validate', 'analyst', withRule('account.age_hours < '), false)).json();
    expect(validate.valid).toBe(false);
    expect(validate.problems[0]).toMatchObject({ ruleId: 'analyst-new', line: 1 });
  });

  it('publishes a valid policy that takes effect on the next claim, audited', async () => {
    s = await riskHttpSystem();
    const c = await campaign(s);
    const res = await post('/v1/policies', 'analyst', { policy: withRule('claim.channel == "web"'), status: 'live', note: 'no web claims' }, false);
    expect(res.statusCode).toBe(201);
    expect(res.json().version).toBe(2);
    const r = rng(1);
    const web = (await post('/v1/claims', 'client', { campaignId: c.id, channel: 'web', account: oldAccount(1, r) })).json();
    expect(web.decision).toBe('deny');
    expect(web.reasons.map((x: { code: string }) => x.code)).toContain('ANALYST_NEW');
    expect(web.policyVersion).toBe('policy@2');
  });
});

describe('lists', () => {
  it('a blocked device is denied with the list reason; an allow-listed account skips the rules', async () => {
    s = await riskHttpSystem();
    const c = await campaign(s);
    const r = rng(2);
    expect((await post('/v1/lists', 'analyst', { list: 'block', kind: 'device', value: 'device-1', reason: 'seen in ring 4' }, false)).statusCode).toBe(201);
    const blocked = (await post('/v1/claims', 'client', { campaignId: c.id, channel: 'app', account: oldAccount(1, r) })).json();
    expect(blocked.decision).toBe('deny');
    expect(blocked.reasons[0].code).toBe('LIST_BLOCKED');
    expect((await post('/v1/lists', 'analyst', { list: 'allow', kind: 'account', value: 'vip-1', reason: 'store staff' }, false)).statusCode).toBe(201);
    const vip = (await post('/v1/claims', 'client', { campaignId: c.id, channel: 'app', account: { id: 'vip-1', phone: '17001230001', deviceId: 'staff-pc' } })).json();
    expect(vip.decision).toBe('allow');
    expect(vip.reasons.map((x: { code: string }) => x.code)).toContain('LIST_ALLOWED');
    expect((await post('/v1/lists', 'analyst', { list: 'block', kind: 'cidr', value: '10.0.0.0/33', reason: 'x' }, false)).statusCode).toBe(400);
  });
});

describe('challenges', () => {
  it('a challenged claim is granted once the same request comes back with a correct proof of work', async () => {
    s = await riskHttpSystem();
    const c = await campaign(s);
    // A device already used by 3 other accounts today: the 4th claim is challenged (DEVICE_SHARED).
    const r = rng(9);
    for (let i = 0; i < 3; i++) await post('/v1/claims', 'client', { campaignId: c.id, channel: 'app', account: { ...oldAccount(100 + i, r), deviceId: 'family-tablet' } });
    const body = { campaignId: c.id, channel: 'app', account: { ...oldAccount(200, r), deviceId: 'family-tablet' } };
    const first = (await post('/v1/claims', 'client', body)).json();
    expect(first.decision).toBe('challenge');
    expect(first.reasons.map((x: { code: string }) => x.code)).toContain('DEVICE_SHARED');
    expect(first.challenge).toMatchObject({ id: first.challengeId, kind: 'proof_of_work', difficulty: 16 });
    expect(first.couponId).toBeUndefined();

    const wrong = (await post('/v1/claims', 'client', { ...body, challenge: { id: first.challengeId, solution: 'nope' } })).json();
    expect(wrong.decision).toBe('deny');
    expect(wrong.reasons[0].code).toBe('CHALLENGE_FAILED');
    const other = (await post('/v1/claims', 'client', { ...body, account: { ...body.account, id: 'someone-else' }, challenge: { id: first.challengeId, solution: '1' } })).json();
    expect(other.reasons[0].code).toBe('CHALLENGE_MISMATCH');

    const solution = solveChallenge(sha256, first.challengeId, first.challenge.difficulty);
    const passed = (await post('/v1/claims', 'client', { ...body, challenge: { id: first.challengeId, solution } })).json();
    expect(passed.decision).toBe('allow');
    expect(passed.couponId).toMatch(/^cpn_/);
    expect(passed.reasons.map((x: { code: string }) => x.code)).toContain('CHALLENGE_PASSED');
    const reuse = (await post('/v1/claims', 'client', { ...body, challenge: { id: first.challengeId, solution } })).json();
    expect(reuse.decision).toBe('deny');
    expect(reuse.reasons[0].code).toBe('CHALLENGE_USED');
  });
});

describe('shadow mode', () => {
  it('records what a shadow policy would decide without enforcing it, and reports the difference', async () => {
    s = await riskHttpSystem();
    const c = await campaign(s);
    const strict = { thresholds: DEFAULT_POLICY.thresholds, rules: [...DEFAULT_POLICY.rules, { id: 'no-mini', appliesTo: 'claim', when: 'claim.channel == "mini_program"', action: 'deny', score: 0, reason: 'NO_MINI', description: 'x' }] };
    expect((await post('/v1/policies', 'analyst', { policy: strict, status: 'shadow' }, false)).statusCode).toBe(201);
    const r = rng(5);
    const results = [];
    for (let i = 0; i < 10; i++) {
      s.clock.advance(5_000);
      results.push((await post('/v1/claims', 'client', { campaignId: c.id, channel: i % 2 ? 'mini_program' : 'app', account: oldAccount(i, r) })).json());
    }
    expect(results.every((x) => x.decision === 'allow')).toBe(true);
    const report = (await s.app.inject({ method: 'GET', url: '/v1/policies/shadow/report', headers: s.auth('analyst') })).json();
    expect(report).toMatchObject({ shadowVersion: 'policy@2', claims: 10, agree: 5, disagree: 5 });
    expect(report.matrix.allow).toEqual({ allow: 5, deny: 5 });
    const stored = (await s.app.inject({ method: 'GET', url: `/v1/claims/${results[1].claimId}`, headers: s.auth('analyst') })).json();
    expect(stored.shadow).toMatchObject({ policyVersion: 'policy@2', action: 'deny' });
  });
});
