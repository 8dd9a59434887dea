/**
 * Body limits per route: 64 KiB by default, more where a route accepts a long list — a revocation
 * of up to 100,000 accounts, incident scopes and account lists and make-good recipients of up to
 * 10,000 — documented in the OpenAPI document as `x-body-limit` (the fuzz suite reads it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_BODY_LIMIT, LIST_BODY_LIMIT, REVOCATION_BODY_LIMIT } from '../src/http/limits.js';
import { account, makeCampaign, testSystem, type TestSystem } from './helpers.js';
import { claimCoupon } from '../src/core/claims/claim-coupon.js';

let s: TestSystem;
afterEach(async () => {
  await s?.shutdown();
});

const ids = (n: number, width = 40) => Array.from({ length: n }, (_, i) => `acct-${String(i).padStart(width - 5, '0')}`);

describe('request body limits', () => {
  it('a revocation of 100,000 account ids (≈ 4 MiB) is accepted, and one over 8 MiB is refused with 413 and changes nothing', async () => {
    s = await testSystem();
    const c = await makeCampaign(s);
    const victim = account();
    const claimed = await claimCoupon(s.deps, { campaignId: c.id, channel: 'app', account: victim }, { scope: 't', idempotencyKey: 'v' });
    expect(claimed.ok && claimed.value.decision).toBe('allow');
    const auth = { authorization: `Bearer ${s.keys.operator}` };
    const big = { accountIds: [...ids(99_999), victim.id], reason: 'ring accounts from the police list' };
    const body = JSON.stringify(big);
    expect(body.length).toBeGreaterThan(DEFAULT_BODY_LIMIT * 40);
    const ok = await s.app.inject({ method: 'POST', url: '/v1/revocations', headers: { ...auth, 'content-type': 'application/json' }, payload: body });
    expect(ok.statusCode).toBe(202);
    const jobId = ok.json<{ id: string }>().id;
    for (let i = 0; i < 1_500 && (await s.deps.store.jobs.get(jobId as never))?.status !== 'done'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await s.deps.store.jobs.get(jobId as never)).toMatchObject({ status: 'done', counts: { revoked: 1 } });
    const coupons = await s.deps.store.coupons.listByAccount(victim.id as never, { limit: 10 });
    expect(coupons.items.map((x) => x.status)).toEqual(['revoked']);

    const jobsBefore = (await s.deps.store.jobs.list({ limit: 100 })).items.length;
    const tooBig = JSON.stringify({ accountIds: ids(100_000, 64), reason: 'x'.repeat(300), pad: 'y'.repeat(2 * 1024 * 1024) });
    expect(tooBig.length).toBeGreaterThan(REVOCATION_BODY_LIMIT);
    const refused = await s.app.inject({ method: 'POST', url: '/v1/revocations', headers: { ...auth, 'content-type': 'application/json' }, payload: tooBig });
    expect(refused.statusCode).toBe(413);
    expect(refused.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', requestId: expect.any(String) });
    expect((await s.deps.store.jobs.list({ limit: 100 })).items.length).toBe(jobsBefore);
  });

  it('other routes keep 64 KiB', async () => {
    s = await testSystem();
    const r = await s.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { authorization: `Bearer ${s.keys.operator}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(DEFAULT_BODY_LIMIT + 1) }),
    });
    expect(r.statusCode).toBe(413);
  });

  it('the OpenAPI document states every larger limit, and only those', async () => {
    s = await testSystem();
    const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { 'x-body-limit'?: number }>> }>();
    const stated = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op['x-body-limit'] !== undefined)
        .map(([m, op]) => `${m.toUpperCase()} ${path} ${op['x-body-limit']}`),
    );
    expect(stated.sort()).toEqual(
      [
        `POST /v1/revocations ${REVOCATION_BODY_LIMIT}`,
        `POST /v1/incidents ${LIST_BODY_LIMIT}`,
        `POST /v1/incidents/{incidentId}/scope ${LIST_BODY_LIMIT}`,
        `POST /v1/incidents/{incidentId}/accounts ${LIST_BODY_LIMIT}`,
        `POST /v1/makegoods ${LIST_BODY_LIMIT}`,
      ].sort(),
    );
  });
});
