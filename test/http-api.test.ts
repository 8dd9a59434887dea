/**
 * The HTTP API as operators, auditors and analysts see it: roles, campaign pause/resume, the audit
 * log and its chain, masking of personal data by role, the OpenAPI document and the error shape.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDb } from '../src/adapters/sqlite/index.js';
import type { Campaign } from '../src/core/campaigns/campaign.js';
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

interface ClaimAnswer {
  claimId: string;
  decision: string;
  couponId?: string;
  reasons: { code: string }[];
}
interface AuditItem {
  seq: number;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}
interface Operation {
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: {
    content: Record<string, { schema: Record<string, unknown> & { example?: Record<string, unknown> } }>;
  };
  responses: Record<string, unknown>;
}
interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown> };
}

const dbOf = (s: TestSystem): SqliteDb => (s.deps.store as Store & { readonly db: SqliteDb }).db;
const changes = (s: TestSystem) => dbOf(s).prepare('SELECT total_changes()').pluck().get() as number;
const bearer = (key: string | null): Record<string, string> =>
  key === null ? {} : { authorization: `Bearer ${key}` };
let idem = 0;

function expectError(
  r: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T },
  status: number,
  code?: string,
) {
  expect(r.statusCode).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  const body = r.json<Record<string, unknown>>();
  expect(Object.keys(body).sort()).toEqual(['code', 'message', 'requestId']);
  expect(typeof body.message).toBe('string');
  expect(body.requestId).toBe(r.headers['x-request-id']);
  if (code) expect(body.code).toBe(code);
}

describe('HTTP API', () => {
  let s: TestSystem;
  let open: Campaign;

  beforeEach(async () => {
    s = await testSystem();
    open = await makeCampaign(s, { limits: { perIdentity: 10, perAccount: 10 } });
  });
  afterEach(async () => {
    await s.shutdown();
  });

  const keyId = async (role: Role) => (await s.deps.store.keys.findByHash(s.deps.sha256(s.keys[role])))!.id;
  const get = (url: string, role: Role | null) =>
    s.app.inject({ method: 'GET', url, headers: bearer(role && s.keys[role]) });
  const post = (url: string, role: Role | null, payload?: Record<string, unknown>) =>
    s.app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(role && s.keys[role]), 'idempotency-key': `api-${idem++}` },
      ...(payload === undefined ? {} : { payload }),
    });
  const claim = async (campaignId: string, acct: Record<string, unknown> = account()) =>
    (await post('/v1/claims', 'client', { campaignId, channel: 'app', account: acct })).json<ClaimAnswer>();
  const audit = async () =>
    (await get('/v1/audit?limit=999', 'auditor')).json<{ items: AuditItem[] }>().items;
  const campaignBody = (over: Record<string, unknown> = {}) => ({
    name: 'spring sale',
    template: { discount: { kind: 'threshold', thresholdFen: 20_000, amountFen: 3_000 } },
    channels: ['app', 'web'],
    startsAt: new Date(T0 - HOUR).toISOString(),
    endsAt: new Date(T0 + 24 * HOUR).toISOString(),
    budget: { count: 100, moneyFen: 300_000 },
    limits: { perIdentity: 1, perAccount: 1 },
    state: 'active',
    ...over,
  });

  describe('roles and authentication', () => {
    it('no key → 401; a malformed or unknown key → 401; all with the error shape', async () => {
      expectError(await post('/v1/campaigns', null, campaignBody()), 401, 'UNAUTHENTICATED');
      for (const authorization of [
        'Basic dXNlcjpwYXNz',
        'Bearer',
        'Bearer short',
        `Bearer ${'x'.repeat(300)}`,
        'bearer cg_aaaaaaaaaaaaaaaa',
        'Bearer cg_unknown_key_0000000000',
      ]) {
        const r = await s.app.inject({
          method: 'POST',
          url: '/v1/campaigns',
          headers: { authorization },
          payload: campaignBody(),
        });
        expectError(r, 401, 'UNAUTHENTICATED');
      }
    });

    it('a client cannot create campaigns (403); an operator can (201)', async () => {
      for (const role of ['client', 'analyst', 'auditor'] as const)
        expectError(await post('/v1/campaigns', role, campaignBody()), 403, 'FORBIDDEN');
      const r = await post('/v1/campaigns', 'operator', campaignBody());
      expect(r.statusCode).toBe(201);
      expect(r.json()).toMatchObject({
        name: 'spring sale',
        state: 'active',
        channelLocked: false,
        usage: { grantedCount: 0, grantedFen: 0 },
      });
    });

    it('the auditor reads /v1/audit and /v1/audit/verify; the analyst, the client and the operator do not', async () => {
      expect((await get('/v1/audit', 'auditor')).statusCode).toBe(200);
      expect((await get('/v1/audit/verify', 'auditor')).json()).toMatchObject({ ok: true });
      for (const role of ['analyst', 'client', 'operator'] as const) {
        expectError(await get('/v1/audit', role), 403, 'FORBIDDEN');
        expectError(await get('/v1/audit/verify', role), 403, 'FORBIDDEN');
      }
    });

    it('only admins create keys; a new key works with its role and its creation is audited', async () => {
      expectError(await post('/v1/keys', 'operator', { role: 'admin', name: 'escalate' }), 403, 'FORBIDDEN');
      const r = await post('/v1/keys', 'admin', { role: 'analyst', name: 'new analyst' });
      expect(r.statusCode).toBe(201);
      const made = r.json<{ id: string; key: string; role: string }>();
      expect(made.role).toBe('analyst');
      expect(
        (await s.app.inject({ method: 'GET', url: '/v1/campaigns', headers: bearer(made.key) })).statusCode,
      ).toBe(200);
      expect(
        (
          await s.app.inject({
            method: 'POST',
            url: '/v1/campaigns',
            headers: bearer(made.key),
            payload: campaignBody(),
          })
        ).statusCode,
      ).toBe(403);
      expect((await audit()).filter((e) => e.action === 'key.create' && e.target === made.id)).toEqual([
        expect.objectContaining({
          actor: await keyId('admin'),
          details: { role: 'analyst', name: 'new analyst' },
        }),
      ]);
      // The key itself is never stored: only its SHA-256.
      const stored = dbOf(s).prepare('SELECT hash FROM api_keys WHERE id = ?').pluck().get(made.id);
      expect(stored).toBe(s.deps.sha256(made.key));
    });
  });

  describe('campaign state', () => {
    it('pause → claims denied CAMPAIGN_PAUSED; resume → granted again', async () => {
      expect((await claim(open.id)).decision).toBe('allow');
      expect(
        (await post(`/v1/campaigns/${open.id}/pause`, 'operator', { note: 'suspicious spike' })).json(),
      ).toMatchObject({ state: 'paused' });
      const paused = await claim(open.id);
      expect(paused.decision).toBe('deny');
      expect(paused.reasons.map((r) => r.code)).toEqual(['CAMPAIGN_PAUSED']);
      expect((await post(`/v1/campaigns/${open.id}/resume`, 'operator')).json()).toMatchObject({
        state: 'active',
      });
      expect((await claim(open.id)).decision).toBe('allow');
    });

    it('end is final: claims are CAMPAIGN_ENDED and resume is 409', async () => {
      expect((await post(`/v1/campaigns/${open.id}/end`, 'operator')).statusCode).toBe(200);
      expect((await claim(open.id)).reasons.map((r) => r.code)).toEqual(['CAMPAIGN_ENDED']);
      expectError(await post(`/v1/campaigns/${open.id}/resume`, 'operator'), 409, 'INVALID_STATE');
      expectError(await post(`/v1/campaigns/${open.id}/pause`, 'operator'), 409, 'INVALID_STATE');
    });

    it('a draft grants nothing until activated', async () => {
      const draft = await makeCampaign(s, { state: 'draft' });
      expect((await claim(draft.id)).reasons.map((r) => r.code)).toEqual(['CAMPAIGN_DRAFT']);
      expectError(await post(`/v1/campaigns/${draft.id}/resume`, 'operator'), 409, 'INVALID_STATE');
      expect((await post(`/v1/campaigns/${draft.id}/activate`, 'operator')).json()).toMatchObject({
        state: 'active',
      });
      expect((await claim(draft.id)).decision).toBe('allow');
    });

    it('the claim window is the campaign window', async () => {
      s.clock.set(open.endsAt);
      expect((await claim(open.id)).reasons.map((r) => r.code)).toEqual(['CAMPAIGN_OVER']);
    });

    it('unknown campaign → 404; malformed id → 400', async () => {
      expectError(
        await post('/v1/campaigns/cmp_00000000000000000000000000/pause', 'operator'),
        404,
        'NOT_FOUND',
      );
      expectError(await post('/v1/campaigns/cmp_0/pause', 'operator'), 400, 'VALIDATION_FAILED');
    });
  });

  describe('audit log', () => {
    it('appends pause, resume, code issue, code revoke and coupon revoke with the acting key id; the chain verifies', async () => {
      const operator = await keyId('operator');
      const event = await makeCampaign(s, lockedCampaignInput());
      const before = (await audit()).length;

      await post(`/v1/campaigns/${open.id}/pause`, 'operator', { note: 'spike' });
      await post(`/v1/campaigns/${open.id}/pause`, 'operator'); // already paused: nothing to audit
      await post(`/v1/campaigns/${open.id}/resume`, 'operator');
      const issued = (
        await post(`/v1/campaigns/${event.id}/code-batches`, 'operator', {
          event: 'TV',
          count: 2,
          expiresAt: new Date(T0 + HOUR).toISOString(),
        })
      ).json<{ batch: { id: string } }>();
      await post(`/v1/code-batches/${issued.batch.id}/revoke`, 'operator', { note: 'leaked' });
      const granted = await claim(open.id);
      await post(`/v1/coupons/${granted.couponId}/revoke`, 'operator', { note: 'fraud' });

      const entries = (await audit()).slice(before);
      expect(entries.map((e) => [e.actor, e.action, e.target])).toEqual([
        [operator, 'campaign.pause', open.id],
        [operator, 'campaign.resume', open.id],
        [operator, 'codes.issue', issued.batch.id],
        [operator, 'codes.revoke', issued.batch.id],
        [operator, 'coupon.revoke', granted.couponId],
      ]);
      expect(entries[0]!.details).toEqual({ note: 'spike', from: 'active', to: 'paused' });
      expect(entries[2]!.details).toMatchObject({ campaignId: event.id, count: 2, useLimit: 1 });

      const all = await audit();
      expect(all.map((e) => e.seq)).toEqual(all.map((_e, i) => i + 1));
      expect((await get('/v1/audit/verify', 'auditor')).json()).toEqual({ ok: true, count: all.length });
    });

    it('pages by sequence number', async () => {
      for (let i = 0; i < 3; i++) await post('/v1/keys', 'admin', { role: 'client', name: `k${i}` });
      const all = await audit();
      const page = (await get(`/v1/audit?afterSeq=${all[1]!.seq}&limit=2`, 'auditor')).json<{
        items: AuditItem[];
      }>().items;
      expect(page.map((e) => e.seq)).toEqual([all[2]!.seq, all[3]!.seq]);
    });

    it('the database itself refuses edits and deletes of the log', async () => {
      const db = dbOf(s);
      expect(() => db.prepare("UPDATE audit_log SET actor = 'someone else' WHERE seq = 1").run()).toThrow(
        /append-only/,
      );
      expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
      expect((await get('/v1/audit/verify', 'auditor')).json()).toMatchObject({ ok: true });
    });
  });

  describe('personal data in claim records', () => {
    it('GET /v1/claims/:id masks phone, IP and identity hash for analysts and operators, not for auditors and admins', async () => {
      const a = await claim(open.id, {
        id: 'u-pii',
        phone: '+86 138 0013 8000',
        ip: '203.0.113.7',
        deviceId: 'd',
        identity: { number: '11010519491231002X', verified: true },
      });
      const view = async (role: Role) =>
        (await get(`/v1/claims/${a.claimId}`, role)).json<{
          phone: string;
          ip: string;
          identityHash: string;
        }>();
      for (const role of ['analyst', 'operator'] as const) {
        const v = await view(role);
        expect(v.phone, role).toBe('138****8000');
        expect(v.ip, role).toBe('203.0.*.*');
        expect(v.identityHash, role).toMatch(/^[0-9a-f]{8}…$/);
      }
      for (const role of ['auditor', 'admin'] as const) {
        const v = await view(role);
        expect(v.phone, role).toBe('13800138000');
        expect(v.ip, role).toBe('203.0.113.7');
        expect(v.identityHash, role).toMatch(/^[0-9a-f]{64}$/);
      }
      expectError(await get(`/v1/claims/${a.claimId}`, 'client'), 403, 'FORBIDDEN');
    });

    it('GET /v1/orders/:id masks the top-up phone and the IP for analysts and operators, as claim records do', async () => {
      const placed = await post('/v1/orders', 'client', {
        accountId: 'u-topup',
        ip: '203.0.113.7',
        items: [
          {
            sku: 'topup-100',
            category: 'virtual_topup',
            unitPriceFen: 10_000,
            quantity: 1,
            topupTarget: { kind: 'phone', value: '13800138000' },
          },
        ],
      });
      const orderId = placed.json<{ orderId: string }>().orderId;
      for (const role of ['analyst', 'operator'] as const) {
        const body = (await get(`/v1/orders/${orderId}`, role)).body;
        expect(body, role).not.toContain('13800138000');
        expect(body, role).not.toContain('203.0.113.7');
      }
      expect((await get(`/v1/orders/${orderId}`, 'auditor')).body).toContain('13800138000');
    });

    it('a claim record explains its decision: reasons, policy version, rules, signals', async () => {
      const a = await claim(open.id);
      const rec = (await get(`/v1/claims/${a.claimId}`, 'analyst')).json();
      expect(rec).toMatchObject({
        id: a.claimId,
        decision: 'allow',
        policyVersion: 'passthrough@1',
        rules: [],
        signals: {},
        couponId: a.couponId,
      });
      expectError(await get('/v1/claims/clm_00000000000000000000000000', 'analyst'), 404, 'NOT_FOUND');
    });
  });

  describe('OpenAPI document', () => {
    const fetchDoc = async () => {
      const r = await s.app.inject({ method: 'GET', url: '/openapi.json' });
      expect(r.statusCode).toBe(200);
      return r.json<OpenApiDoc>();
    };

    it('is an OpenAPI 3 document whose operations declare their path parameters, responses and bearer auth', async () => {
      const doc = await fetchDoc();
      expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
      expect(doc.info).toMatchObject({ title: 'couponguard', version: expect.any(String) });
      expect(doc.components?.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
      const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([m, op]) => ({ path, m, op })),
      );
      expect(ops.length).toBeGreaterThanOrEqual(25);
      for (const { path, m, op } of ops) {
        expect(['get', 'post', 'put', 'patch', 'delete']).toContain(m);
        expect(path).toMatch(/^\/v1\//);
        expect(Object.keys(op.responses).length, `${m} ${path}`).toBeGreaterThan(0);
        const declared = (op.parameters ?? [])
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort();
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
        expect(declared, `${m} ${path}`).toEqual(inPath);
        for (const p of op.parameters ?? [])
          if (p.in === 'path') expect(p.required, `${m} ${path} ${p.name}`).toBe(true);
        if (op.requestBody) expect(Object.keys(op.requestBody.content)).toEqual(['application/json']);
      }
      // Claims and orders require an Idempotency-Key, and the document says so.
      for (const path of ['/v1/claims', '/v1/orders'])
        expect(doc.paths[path]!.post!.parameters).toContainEqual(
          expect.objectContaining({ in: 'header', name: 'idempotency-key', required: true }),
        );
    });

    it('carries request examples for claims and orders', async () => {
      const doc = await fetchDoc();
      const example = (path: string) =>
        doc.paths[path]!.post!.requestBody!.content['application/json']!.schema.example;
      expect(example('/v1/claims')).toMatchObject({
        channel: 'offline_event',
        account: { id: expect.any(String) },
      });
      expect(example('/v1/orders')).toMatchObject({
        accountId: expect.any(String),
        items: [expect.objectContaining({ category: expect.any(String) })],
      });
    });

    it('every request example passes its own route’s validation (copying the docs works)', async () => {
      const doc = await fetchDoc();
      const ids: Record<string, string> = { campaignId: open.id };
      const refused: string[] = [];
      for (const [path, methods] of Object.entries(doc.paths))
        for (const [m, op] of Object.entries(methods)) {
          const ex = op.requestBody?.content['application/json']?.schema.example;
          if (!ex) continue;
          const url = path.replace(/\{(\w+)\}/g, (_x, name: string) => ids[name] ?? 'missing');
          const r = await s.app.inject({
            method: m.toUpperCase() as 'POST',
            url,
            headers: { ...bearer(s.keys.admin), 'idempotency-key': `ex-${idem++}` },
            payload: ex,
          });
          if (r.statusCode === 400)
            refused.push(`${m.toUpperCase()} ${path}: ${r.json<{ message: string }>().message}`);
        }
      expect(refused).toEqual([]);
    });
  });

  describe('error shape and bad input', () => {
    it('an unknown route is a 404 in the error shape; the request id is echoed', async () => {
      const r = await s.app.inject({
        method: 'GET',
        url: '/v2/nothing',
        headers: { 'x-request-id': 'trace-123' },
      });
      expectError(r, 404, 'ROUTE_NOT_FOUND');
      expect(r.json()).toMatchObject({ requestId: 'trace-123' });
    });

    it('a malformed percent-encoding in the URL is a 400 in the error shape', async () => {
      for (const url of ['/v1/campaigns/%E0%A4%A', '/v1/campaigns/%', '/v1/claims/%zz'])
        expectError(await s.app.inject({ method: 'GET', url, headers: bearer(s.keys.admin) }), 400);
    });

    it('an over-long path parameter is a 4xx in the error shape', async () => {
      const r = await s.app.inject({
        method: 'GET',
        url: `/v1/campaigns/cmp_${'0'.repeat(200)}`,
        headers: bearer(s.keys.admin),
      });
      expect(r.statusCode).toBeGreaterThanOrEqual(400);
      expect(r.statusCode).toBeLessThan(500);
      expect(Object.keys(r.json<object>()).sort()).toEqual(['code', 'message', 'requestId']);
    });

    // 23:59:60 passes the date-time format (RFC 3339 allows a leap second), but Date.parse gives NaN.
    const LEAP = '2019-01-19T23:59:60Z';

    it('a leap-second start time is a 400 and creates no campaign', async () => {
      const before = changes(s);
      expectError(
        await post('/v1/campaigns', 'operator', campaignBody({ startsAt: LEAP })),
        400,
        'VALIDATION_FAILED',
      );
      expect(changes(s)).toBe(before);
    });

    it('a leap-second event time is a 400 and records nothing', async () => {
      const before = changes(s);
      expectError(
        await post('/v1/events', 'client', {
          type: 'login',
          accountId: 'u-leap',
          at: '2019-01-18T23:59:60Z',
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(changes(s)).toBe(before);
    });

    it('a leap-second code expiry is a 400 and issues nothing', async () => {
      const event = await makeCampaign(s, lockedCampaignInput());
      const before = changes(s);
      expectError(
        await post(`/v1/campaigns/${event.id}/code-batches`, 'operator', {
          event: 'TV',
          count: 1,
          expiresAt: LEAP,
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(changes(s)).toBe(before);
    });

    it('a leap-second account creation time is a 400 and records nothing', async () => {
      const before = changes(s);
      expectError(
        await post('/v1/claims', 'client', {
          campaignId: open.id,
          channel: 'app',
          account: { id: 'u-leap', createdAt: LEAP },
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(changes(s)).toBe(before);
    });
  });
});
