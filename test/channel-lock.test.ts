/**
 * Invariant 4: a coupon type locked to the offline event can be claimed through no other path —
 * no channel value, no API flag, no role, no other route. Only a valid, unused platform code
 * presented on the offline_event channel grants, and only as many times as the code allows.
 */
import { DEFAULT_POLICY } from '../src/core/risk/default-policy.js';
import { startBacktest } from '../src/core/risk/backtest-job.js';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hmacCodeSigner } from '../src/adapters/node/crypto.js';
import type { SqliteDb } from '../src/adapters/sqlite/index.js';
import type { Campaign } from '../src/core/campaigns/campaign.js';
import { encodeClaimCode } from '../src/core/codes/claim-code.js';
import { incidentDeps } from '../src/app/job-handlers.js';
import { changeCampaignState } from '../src/core/campaigns/use-cases.js';
import { openIncident, startIncidentJob } from '../src/core/incidents/use-cases.js';
import { createMakegood } from '../src/core/makegood/use-cases.js';
import { CHANNELS } from '../src/core/shared/channels.js';
import { plantRing } from './rings/fixture-ring.js';
import type { BatchId, CampaignId, CodeId } from '../src/core/shared/ids.js';
import type { Role, Store } from '../src/ports/store.js';
import {
  account,
  HOUR,
  lockedCampaignInput,
  makeCampaign,
  T0,
  testSystem,
  type TestSystem,
} from './helpers.js';

interface Reason {
  code: string;
  message: string;
}
interface ClaimAnswer {
  claimId: string;
  decision: string;
  couponId?: string;
  reasons: Reason[];
  policyVersion: string;
}
interface IssuedBatch {
  batch: { id: string };
  codes: { codeId: string; text: string }[];
}
interface OpenApiDoc {
  paths: Record<string, Record<string, unknown>>;
}

const ROLES: readonly Role[] = ['client', 'operator', 'analyst', 'auditor', 'admin'];
const dbOf = (s: TestSystem): SqliteDb => (s.deps.store as Store & { readonly db: SqliteDb }).db;
const count = (s: TestSystem, sql: string, ...args: unknown[]): number =>
  dbOf(s)
    .prepare(sql)
    .pluck()
    .get(...args) as number;
const couponsOf = (s: TestSystem, campaignId: string) =>
  count(s, 'SELECT count(*) FROM coupons WHERE campaign_id = ?', campaignId);
const allCoupons = (s: TestSystem) => count(s, 'SELECT count(*) FROM coupons');
const changes = (s: TestSystem) => count(s, 'SELECT total_changes()');

let idem = 0;
/** `null` sends no Authorization header at all. */
const bearer = (key: string | null): Record<string, string> =>
  key === null ? {} : { authorization: `Bearer ${key}` };

async function claim(
  s: TestSystem,
  body: Record<string, unknown>,
  key: string | null = s.keys.client,
  idemKey = `lock-${idem++}`,
) {
  return s.app.inject({
    method: 'POST',
    url: '/v1/claims',
    headers: { ...bearer(key), 'idempotency-key': idemKey },
    payload: body,
  });
}

async function issue(
  s: TestSystem,
  campaignId: string,
  over: Record<string, unknown> = {},
): Promise<IssuedBatch> {
  const r = await s.app.inject({
    method: 'POST',
    url: `/v1/campaigns/${campaignId}/code-batches`,
    headers: bearer(s.keys.operator),
    payload: {
      event: 'TV recording 2019-01-19',
      count: 3,
      useLimit: 1,
      expiresAt: new Date(T0 + 24 * HOUR).toISOString(),
      ...over,
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json<IssuedBatch>();
}

/** Every registered route as "METHOD /path/:param", read from the router itself (hidden ones included). */
function routerRoutes(app: FastifyInstance): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of m[3]?.split(', ') ?? []) if (method !== 'HEAD') out.add(`${method} ${path}`);
  }
  return out;
}

function expectErrorShape(r: { statusCode: number; json: () => unknown }, status: number) {
  expect(r.statusCode).toBe(status);
  const body = r.json() as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'message', 'requestId']);
}

describe('channel lock (invariant 4): a campaign with channels [offline_event]', () => {
  let s: TestSystem;
  let locked: Campaign;
  let otherLocked: Campaign;

  beforeEach(async () => {
    s = await testSystem();
    locked = await makeCampaign(s, lockedCampaignInput());
    otherLocked = await makeCampaign(s, lockedCampaignInput({ name: 'another event' }));
  });
  afterEach(async () => {
    await s.shutdown();
  });

  it('is reported as channel-locked', async () => {
    const r = await s.app.inject({
      method: 'GET',
      url: `/v1/campaigns/${locked.id}`,
      headers: bearer(s.keys.operator),
    });
    expect(r.json()).toMatchObject({ channels: ['offline_event'], channelLocked: true, special: true });
  });

  it('denies a claim without a valid code on every channel value, with or without a code field', async () => {
    const otherCode = (await issue(s, otherLocked.id)).codes[0]!.text;
    const forged = encodeClaimCode(
      {
        keyId: 'k1',
        campaignId: locked.id,
        batchId: 'bat_01HZX3K9V7Q2W8E4R6T1Y5C3A0' as BatchId,
        codeId: 'cod_01HZX3K9V7Q2W8E4R6T1Y5C3A0' as CodeId,
        useLimit: 1000,
        expiresAt: T0 + HOUR,
        nonce: 'x',
      },
      hmacCodeSigner({ k1: 'not the platform key' }, 'k1'),
    );
    const variants: { name: string; extra: Record<string, unknown>; want: string }[] = [
      { name: 'no code field', extra: {}, want: 'CODE_REQUIRED' },
      { name: 'garbage code', extra: { code: 'let me in' }, want: 'CODE_MALFORMED' },
      { name: 'code of another campaign', extra: { code: otherCode }, want: 'CODE_WRONG_CAMPAIGN' },
      { name: 'forged code', extra: { code: forged }, want: 'CODE_FORGED' },
      {
        name: 'a challenge answer instead of a code',
        extra: { challenge: { id: 'chl_01HZX3K9V7Q2W8E4R6T1Y5C3A0', solution: '42' } },
        want: 'CODE_REQUIRED',
      },
    ];
    for (const channel of CHANNELS) {
      for (const v of variants) {
        const body = { campaignId: locked.id, channel, account: account(), ...v.extra };
        const r = await claim(s, body);
        expect(r.statusCode, `${channel} / ${v.name}`).toBe(200);
        const a = r.json<ClaimAnswer>();
        expect(a.decision, `${channel} / ${v.name}`).toBe('deny');
        expect(a.couponId).toBeUndefined();
        const codes = a.reasons.map((x) => x.code);
        expect(codes, `${channel} / ${v.name}`).toContain(v.want);
        if (channel !== 'offline_event')
          expect(codes, `${channel} / ${v.name}`).toContain('CHANNEL_NOT_ALLOWED');
      }
    }
    expect(couponsOf(s, locked.id)).toBe(0);
    expect(await s.deps.store.campaigns.usage(locked.id)).toEqual({ grantedCount: 0, grantedFen: 0 });
  });

  it('denies a valid code presented on any other channel, without consuming it', async () => {
    const { codes } = await issue(s, locked.id, { count: 1 });
    const code = codes[0]!.text;
    for (const channel of CHANNELS.filter((c) => c !== 'offline_event')) {
      const a = (
        await claim(s, { campaignId: locked.id, channel, code, account: account() })
      ).json<ClaimAnswer>();
      expect(a.decision, channel).toBe('deny');
      expect(a.reasons.map((x) => x.code)).toEqual(['CHANNEL_NOT_ALLOWED']);
    }
    expect(couponsOf(s, locked.id)).toBe(0);
    // The code is still worth exactly one grant, on the right channel.
    const ok = (
      await claim(s, { campaignId: locked.id, channel: 'offline_event', code, account: account() })
    ).json<ClaimAnswer>();
    expect(ok.decision).toBe('allow');
    expect(couponsOf(s, locked.id)).toBe(1);
  });

  it.each([
    ['bypass: true', { bypass: true }],
    ['admin: true', { admin: true }],
    ['force: true', { force: true }],
    ['skipCode: true', { skipCode: true }],
    ['channelLocked: false', { channelLocked: false }],
    ['code: null', { code: null }],
    ['code: ""', { code: '' }],
    ['code: true', { code: true }],
    ['code: {}', { code: {} }],
    ['channel: "ADMIN"', { channel: 'ADMIN' }],
    ['channel: "Offline_Event"', { channel: 'Offline_Event' }],
    ['channel: ["offline_event"]', { channel: ['offline_event'] }],
    ['channel: null', { channel: null }],
    ['account.admin: true', { account: { ...account(), admin: true } }],
    ['account.verifiedByOperator: true', { account: { ...account(), verifiedByOperator: true } }],
    [
      'account.identity.override: true',
      { account: { id: 'u-x', identity: { number: '11010519491231002X', verified: true, override: true } } },
    ],
    ['campaignId as an array', { campaignId: ['x'] }],
  ])('refuses a claim with %s as a 400 and records nothing', async (_name, extra) => {
    const before = changes(s);
    const r = await claim(s, {
      campaignId: locked.id,
      channel: 'offline_event',
      account: account(),
      ...extra,
    });
    expectErrorShape(r, 400);
    expect(changes(s)).toBe(before);
    expect(count(s, 'SELECT count(*) FROM claims')).toBe(0);
  });

  it('gives nothing without a code whatever the role of the key', async () => {
    for (const role of ROLES) {
      const before = allCoupons(s);
      const r = await claim(
        s,
        { campaignId: locked.id, channel: 'offline_event', account: account() },
        s.keys[role],
      );
      if (role === 'client' || role === 'admin') {
        expect(r.statusCode, role).toBe(200);
        expect(r.json<ClaimAnswer>()).toMatchObject({
          decision: 'deny',
          reasons: [{ code: 'CODE_REQUIRED' }],
        });
      } else {
        expectErrorShape(r, 403);
      }
      expect(allCoupons(s), role).toBe(before);
    }
    expectErrorShape(
      await claim(s, { campaignId: locked.id, channel: 'offline_event', account: account() }, null),
      401,
    );
    expectErrorShape(
      await claim(
        s,
        { campaignId: locked.id, channel: 'offline_event', account: account() },
        'cg_not-a-real-key-000000',
      ),
      401,
    );
    expect(couponsOf(s, locked.id)).toBe(0);
  });

  it('grants once with a valid code; the same code (useLimit 1) again is CODE_USED_UP; a retry replays', async () => {
    const { codes } = await issue(s, locked.id, { count: 1, useLimit: 1 });
    const code = codes[0]!.text;
    const body = { campaignId: locked.id, channel: 'offline_event', code, account: account() };
    const first = await claim(s, body, s.keys.client, 'grant-1');
    expect(first.json<ClaimAnswer>()).toMatchObject({ decision: 'allow' });
    expect(first.json<ClaimAnswer>().reasons[0]!.code).toBe('GRANTED');
    const couponId = first.json<ClaimAnswer>().couponId;
    expect(couponId).toMatch(/^cpn_/);

    // An idempotent retry returns the first answer and grants nothing new (invariant 2).
    const retry = await claim(s, body, s.keys.client, 'grant-1');
    expect(retry.json<ClaimAnswer>()).toEqual(first.json<ClaimAnswer>());

    for (const who of [account(), body.account]) {
      const again = (await claim(s, { ...body, account: who })).json<ClaimAnswer>();
      expect(again.decision).toBe('deny');
      expect(again.reasons[0]!.code).toBe('CODE_USED_UP');
    }
    const admin = (await claim(s, { ...body, account: account() }, s.keys.admin)).json<ClaimAnswer>();
    expect(admin.reasons[0]!.code).toBe('CODE_USED_UP');
    expect(couponsOf(s, locked.id)).toBe(1);
    expect(await s.deps.store.campaigns.usage(locked.id)).toEqual({ grantedCount: 1, grantedFen: 10_000 });
  });

  it('no route in the OpenAPI document (nor any hidden one) creates a coupon of the locked campaign', async () => {
    const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiDoc>();
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths))
      for (const method of Object.keys(ops))
        documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
    const registered = routerRoutes(s.app);
    // Every route that exists is documented, except the read-only hidden ones.
    expect([...registered].filter((r) => !documented.has(r)).sort()).toEqual([
      'GET /health',
      'GET /metrics',
      'GET /openapi.json',
    ]);

    // Fixtures: a coupon of an open campaign, a spare batch of the locked one, an order.
    const open = await makeCampaign(s, { name: 'open', channels: ['app'] });
    const holder = account();
    const grant = (
      await claim(s, { campaignId: open.id, channel: 'app', account: holder })
    ).json<ClaimAnswer>();
    expect(grant.decision).toBe('allow');
    const spare = await issue(s, locked.id, { count: 2 });
    const order = await s.app.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { ...bearer(s.keys.client), 'idempotency-key': 'order-fixture' },
      payload: {
        accountId: holder.id,
        items: [{ sku: 'tv', category: 'physical', unitPriceFen: 5_000, quantity: 1 }],
        couponIds: [],
      },
    });
    expect(order.statusCode).toBe(201);
    // A claim of the locked campaign that was denied: approving it on review must not grant.
    const deniedClaim = (
      await claim(s, { campaignId: locked.id, channel: 'offline_event', account: account() })
    ).json<ClaimAnswer>();
    expect(deniedClaim.decision).toBe('deny');
    const examplePolicy = (
      doc.paths['/v1/policies/validate'] as
        | { post?: { requestBody: { content: { 'application/json': { schema: { example: unknown } } } } } }
        | undefined
    )?.post?.requestBody.content['application/json'].schema.example;
    const published = examplePolicy
      ? await s.app.inject({
          method: 'POST',
          url: '/v1/policies',
          headers: bearer(s.keys.analyst),
          payload: { policy: examplePolicy, status: 'shadow', note: 'fixture' },
        })
      : null;
    const listEntry = await s.app.inject({
      method: 'POST',
      url: '/v1/lists',
      headers: bearer(s.keys.operator),
      payload: { list: 'block', kind: 'device', value: 'dev-fixture', reason: 'fixture' },
    });
    const ids: Record<string, string> = {
      version: String(published?.json<{ version?: number }>().version ?? 1),
      id: String(listEntry.json<{ id?: number }>().id ?? 1),
      campaignId: locked.id,
      batchId: spare.batch.id,
      couponId: grant.couponId!,
      orderId: order.json<{ orderId: string }>().orderId,
      claimId: deniedClaim.claimId,
      codeId: spare.codes[0]!.codeId,
      accountId: holder.id,
      // An alert of the locked campaign, raised the way the monitor raises one.
      alertId: (
        await s.deps.store.monitoring.raise(
          { dedupKey: `spike|campaign|${locked.id}`, rule: 'spike', scopeKind: 'campaign', scopeValue: locked.id, severity: 'critical', title: 'sweep', firstAt: s.clock.now(), evidence: { series: [], observedPerMinute: 0, expectedPerMinute: 0, threshold: '', top: { accounts: [], devices: [], networks: [], segments: [], codes: [] } } },
          'alr_01HZX3M0000000000000000001',
          s.clock.now(),
        )
      ).alert.id,
    };
    // Incident response (issue 6): an incident on the locked campaign, a queued job, a make-good whose
    // campaign has ended (running it grants nothing), and a top-up target with an order.
    const incident = await openIncident(incidentDeps(s.deps), { title: 'sweep', scope: [{ kind: 'campaign', value: locked.id }] }, 'sweep');
    if (!incident.ok) throw new Error(incident.error.message);
    const jobIncident = await openIncident(incidentDeps(s.deps), { title: 'sweep job', scope: [{ kind: 'campaign', value: locked.id }] }, 'sweep');
    const job = jobIncident.ok ? await startIncidentJob(s.deps, jobIncident.value.id, 'freeze', {}, 'sweep') : null;
    const ended = await makeCampaign(s, {});
    const makegood = await createMakegood(s.deps, { name: 'sweep', campaignId: ended.id, budgetFen: 100_000, population: { kind: 'accounts', accounts: [holder.id] } }, 'sweep');
    await changeCampaignState(s.deps, ended.id, 'end', 'sweep');
    await s.app.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { ...bearer(s.keys.client), 'idempotency-key': 'sweep-topup' },
      payload: { accountId: holder.id, items: [{ sku: 'q', category: 'virtual_topup', unitPriceFen: 1_000, quantity: 1, topupTarget: { kind: 'phone', value: '13800138000' } }], couponIds: [] },
    });
    if (!job?.ok || !makegood.ok) throw new Error('incident fixtures');
    const backtestJob = await startBacktest(s.deps, { policy: DEFAULT_POLICY, from: 0, to: s.clock.now() + 1 }, 'sweep');
    if (!backtestJob.ok) throw new Error(backtestJob.error.message);
    Object.assign(ids, { incidentId: incident.value.id, jobId: job.value.job.id, makegoodId: makegood.value.id, target: 'phone:13800138000', backtestJobId: backtestJob.value.id });
    // Ring detection (issue 5): a finished run with one ring.
    Object.assign(ids, await plantRing(s.deps.store, s.clock.now(), [holder.id]));

    /** Plausible bodies for every POST route; a new route fails here until someone adds it and checks it. */
    const bodies: Record<string, () => Record<string, unknown>> = {
      '/v1/campaigns': () => ({
        name: 'copy of the event coupon',
        template: { discount: { kind: 'fixed', amountFen: 10_000 } },
        channels: ['app', 'offline_event'],
        startsAt: new Date(T0 - HOUR).toISOString(),
        endsAt: new Date(T0 + HOUR).toISOString(),
        budget: { count: 10, moneyFen: 100_000 },
        limits: { perIdentity: 1, perAccount: 1 },
        state: 'active',
      }),
      '/v1/campaigns/:campaignId/activate': () => ({ note: 'activate the locked one' }),
      '/v1/campaigns/:campaignId/pause': () => ({}),
      '/v1/campaigns/:campaignId/resume': () => ({ note: 'resume' }),
      '/v1/campaigns/:campaignId/end': () => ({}),
      '/v1/campaigns/:campaignId/code-batches': () => ({
        event: 'another recording',
        count: 1,
        expiresAt: new Date(T0 + HOUR).toISOString(),
      }),
      '/v1/code-batches/:batchId/revoke': () => ({ note: 'spare' }),
      '/v1/claims': () => ({ campaignId: locked.id, channel: 'offline_event', account: account() }),
      '/v1/coupons/:couponId/revoke': () => ({}),
      '/v1/orders': () => ({
        accountId: holder.id,
        items: [{ sku: 'tv', category: 'physical', unitPriceFen: 20_000, quantity: 1 }],
        couponIds: [],
      }),
      '/v1/orders/:orderId/fulfil': () => ({}),
      '/v1/orders/:orderId/cancel': () => ({}),
      '/v1/orders/:orderId/release': () => ({}),
      '/v1/orders/:orderId/freeze': () => ({}),
      '/v1/events': () => ({
        type: 'verification',
        accountId: account().id,
        identity: { number: '11010519491231002X', verified: true },
      }),
      '/v1/keys': () => ({ role: 'client', name: 'sweep' }),
      '/v1/policies/validate': () => examplePolicy as Record<string, unknown>,
      '/v1/policies': () => ({ policy: examplePolicy, status: 'live', note: 'sweep' }),
      '/v1/policies/:version/promote': () => ({}),
      '/v1/policies/:version/retire': () => ({}),
      '/v1/backtests': () => ({ version: Number(ids.version) }),
      '/v1/backtest-jobs': () => ({ version: Number(ids.version) }),
      '/v1/lists': () => ({ list: 'allow', kind: 'account', value: 'u-allow', reason: 'sweep' }),
      '/v1/review/claims/:claimId': () => ({ verdict: 'approve', note: 'let it through' }),
      '/v1/review/orders/:orderId': () => ({ verdict: 'approve', note: 'ok' }),
      '/v1/alerts/:alertId/ack': () => ({}),
      '/v1/alerts/:alertId/resolve': () => ({}),
      '/v1/pauses/pause': () => ({ kind: 'channel', value: 'web', reason: 'sweep' }),
      '/v1/pauses/resume': () => ({ kind: 'channel', value: 'web' }),
      '/v1/webhooks': () => ({ url: 'http://127.0.0.1:9/hook' }),
      // Incident response: none of it grants; a make-good of the locked campaign is refused (409).
      '/v1/incidents': () => ({ title: 'sweep', scope: [{ kind: 'campaign', value: locked.id }] }),
      '/v1/incidents/:incidentId/scope': () => ({ scope: [{ kind: 'account', value: holder.id }] }),
      '/v1/incidents/:incidentId/scope/upload': () => ({ kind: 'account', csv: `${holder.id}\n` }),
      '/v1/incidents/:incidentId/accounts': () => ({ accounts: [{ accountId: holder.id, class: 'swept_in' }] }),
      '/v1/incidents/:incidentId/accounts/upload': () => ({ csv: `${holder.id}\n`, class: 'swept_in' }),
      '/v1/incidents/:incidentId/accounts/from-rings': () => ({}),
      '/v1/incidents/:incidentId/leniency': () => ({ sweptInOrders: 'freeze' }),
      '/v1/incidents/:incidentId/freeze': () => ({}),
      '/v1/incidents/:incidentId/release': () => ({}),
      '/v1/incidents/:incidentId/cancel': () => ({}),
      '/v1/incidents/:incidentId/block': () => ({}),
      '/v1/incidents/:incidentId/close': () => ({}),
      '/v1/incidents/:incidentId/exports': () => ({}),
      '/v1/jobs/:jobId/pause': () => ({}),
      '/v1/jobs/:jobId/resume': () => ({}),
      '/v1/makegoods': () => ({ name: 'red packets from the event coupon', campaignId: locked.id, budgetFen: 1_000_000, accounts: [holder.id] }),
      '/v1/makegoods/:makegoodId/run': () => ({}),
      '/v1/revocations': () => ({ campaignId: locked.id, reason: 'sweep: revoking can only take coupons away' }),
      '/v1/rings/runs': () => ({ wait: true }),
    };

    // Reversible actions first, terminal ones (end, fulfil, cancel) last, so that each gets to act.
    const rank = (r: string) =>
      /\/(end|cancel|retire)$/.test(r) || r.startsWith('DELETE') ? 2 : /\/fulfil$/.test(r) ? 1 : 0;
    const routes = [...registered].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    const granted = allCoupons(s);
    let calls = 0;
    for (const route of routes) {
      const [method, path] = route.split(' ') as [string, string];
      const url = path.replace(/:(\w+)/g, (_m, name: string) => {
        const v = ids[name];
        if (!v) throw new Error(`no fixture for :${name} in ${route}`);
        return v;
      });
      const body = method === 'POST' ? bodies[path] : undefined;
      if (method === 'POST' && !body)
        throw new Error(`POST route ${path} has no plausible body here: add one and check it cannot grant`);
      if (!['GET', 'POST', 'DELETE'].includes(method)) throw new Error(`${route}: add it to this sweep`);
      // Admin first, so that it meets each route in its plausible state (a DELETE works once).
      for (const key of [s.keys.admin, ...ROLES.filter((r) => r !== 'admin').map((r) => s.keys[r]), null]) {
        const r = await s.app.inject({
          method: method as 'GET' | 'POST' | 'DELETE',
          url,
          headers: { ...bearer(key), 'idempotency-key': `sweep-${idem++}` },
          ...(body ? { payload: body() } : {}),
        });
        calls++;
        // The bodies are plausible: the admin key (allowed everywhere) gets a real answer, not a 400.
        if (key === s.keys.admin)
          expect([200, 201, 202, 409], `${route} → ${r.body}`).toContain(r.statusCode);
        expect(r.statusCode, `${route} → ${r.body}`).toBeLessThan(500);
        expect(couponsOf(s, locked.id), route).toBe(0);
        expect(allCoupons(s), route).toBe(granted);
      }
    }
    expect(calls).toBeGreaterThanOrEqual(routes.length * 6);
    expect(await s.deps.store.campaigns.usage(locked.id as CampaignId)).toEqual({
      grantedCount: 0,
      grantedFen: 0,
    });
  });
});
