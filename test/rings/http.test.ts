/**
 * The rings API: runs (synchronous and in the background with progress), rings with evidence
 * masked by role, members, audited exports, claimant classes; errors in the one shape; roles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSystem, type TestSystem } from '../helpers.js';
import { runIncident, type Incident } from './incident-fixture.js';

let s: TestSystem;
let inc: Incident;
const auth = (role: keyof TestSystem['keys']) => ({ authorization: `Bearer ${s.keys[role]}` });
const from = () => new Date(inc.from).toISOString();

beforeAll(async () => {
  s = await testSystem();
  inc = await runIncident(s, { normal: 300, ring: 80, sweptIn: 120, seed: 5 });
}, 60_000);
afterAll(async () => s?.shutdown());

describe('POST /v1/rings/runs', () => {
  it('runs detection and answers with the finished run when asked to wait', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/v1/rings/runs', headers: auth('analyst'), payload: { from: from(), wait: true } });
    expect(res.statusCode).toBe(201);
    const run = res.json();
    expect(run).toMatchObject({ status: 'done', stats: { rings: 1 } });
    expect(run.id).toMatch(/^rrun_/);
    const audit = await s.deps.store.audit.list({ limit: 1000 });
    expect(audit.some((e) => e.action === 'ring.detect' && e.target === run.id)).toBe(true);
  });

  it('runs in the background: 202 with the run’s URL, whose progress ends in a finished run', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/v1/rings/runs', headers: auth('analyst'), payload: { from: from() } });
    expect(res.statusCode).toBe(202);
    expect(res.headers.location).toBe(`/v1/rings/runs/${res.json().id}`);
    expect(res.json().progress).toMatchObject({ phase: expect.any(String) });
    let run = res.json();
    for (let i = 0; i < 200 && run.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      run = (await s.app.inject({ method: 'GET', url: res.headers.location as string, headers: auth('auditor') })).json();
    }
    expect(run).toMatchObject({ status: 'done', progress: null });
  });

  it('refuses bad windows and options with a 4xx in the one error shape, and changes nothing', async () => {
    const before = (await s.deps.store.rings.listRuns(100)).length;
    const backwards = await s.app.inject({ method: 'POST', url: '/v1/rings/runs', headers: auth('analyst'), payload: { from: '2019-01-20T00:00:00Z', to: '2019-01-19T00:00:00Z' } });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json()).toMatchObject({ code: 'VALIDATION_FAILED', requestId: expect.any(String) });
    for (const payload of [{ options: { minRows: 1 } }, { options: { bogus: 1 } }, { from: 'yesterday' }, { wait: 'yes' }]) {
      const r = await s.app.inject({ method: 'POST', url: '/v1/rings/runs', headers: auth('analyst'), payload });
      expect(r.statusCode).toBe(400);
    }
    expect((await s.deps.store.rings.listRuns(100)).length).toBe(before);
  });

  it('is for analysts: others are refused', async () => {
    expect((await s.app.inject({ method: 'POST', url: '/v1/rings/runs', payload: {} })).statusCode).toBe(401);
    for (const role of ['client', 'operator', 'auditor'] as const)
      expect((await s.app.inject({ method: 'POST', url: '/v1/rings/runs', headers: auth(role), payload: {} })).statusCode).toBe(403);
  });
});

describe('reading rings', () => {
  it('lists the current run’s rings with evidence masked for analysts and clear for auditors', async () => {
    const masked = (await s.app.inject({ method: 'GET', url: '/v1/rings', headers: auth('analyst') })).json();
    expect(masked.run.status).toBe('done');
    expect(masked.items).toHaveLength(1);
    const ring = masked.items[0];
    expect(ring).toMatchObject({ size: 80, rank: 1, firstSeenAt: expect.stringMatching(/^20\d\d-/) });
    const run = ring.evidence.find((e: { kind: string }) => e.kind === 'phone_run');
    expect(run.value).toMatch(/^170\*\*\*\*:/);
    const target = ring.evidence.find((e: { kind: string }) => e.kind === 'target');
    expect(target.value).toMatch(/^phone:188\*\*\*\*\d{4}$/);
    const clear = (await s.app.inject({ method: 'GET', url: '/v1/rings', headers: auth('auditor') })).json().items[0];
    expect(clear.evidence.find((e: { kind: string }) => e.kind === 'target').value).toMatch(/^phone:188\d{8}$/);
  });

  it('shows one ring and pages through its members', async () => {
    const id = (await s.app.inject({ method: 'GET', url: '/v1/rings', headers: auth('operator') })).json().items[0].id;
    const one = await s.app.inject({ method: 'GET', url: `/v1/rings/${id}`, headers: auth('operator') });
    expect(one.statusCode).toBe(200);
    expect(one.json().campaigns[0].campaignId).toBe(inc.special);
    const seen: string[] = [];
    let after = '';
    for (;;) {
      const page = (await s.app.inject({ method: 'GET', url: `/v1/rings/${id}/members?limit=30${after ? `&after=${after}` : ''}`, headers: auth('operator') })).json();
      seen.push(...page.items.map((m: { accountId: string }) => m.accountId));
      if (!page.next) break;
      after = page.next;
    }
    expect(new Set(seen)).toEqual(inc.ring);
  });

  it('exports a ring as CSV or JSON, audited, for analysts and auditors only', async () => {
    const id = (await s.app.inject({ method: 'GET', url: '/v1/rings', headers: auth('analyst') })).json().items[0].id;
    const csv = await s.app.inject({ method: 'GET', url: `/v1/rings/${id}/export?format=csv`, headers: auth('auditor') });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="${id}.csv"`);
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe('ring_id,run_id,ring_score,account_id,share,strong_links,attached');
    expect(lines).toHaveLength(81);
    const json = await s.app.inject({ method: 'GET', url: `/v1/rings/${id}/export`, headers: auth('analyst') });
    expect(json.json().members).toHaveLength(80);
    const audit = await s.deps.store.audit.list({ limit: 1000 });
    expect(audit.filter((e) => e.action === 'ring.export' && e.target === id).map((e) => e.details.format)).toEqual(['csv', 'json']);
    expect((await s.app.inject({ method: 'GET', url: `/v1/rings/${id}/export`, headers: auth('operator') })).statusCode).toBe(403);
  });

  it('answers 404 for an unknown ring and 400 for a malformed id', async () => {
    const unknown = await s.app.inject({ method: 'GET', url: '/v1/rings/ring_0000000000_1', headers: auth('analyst') });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await s.app.inject({ method: 'GET', url: '/v1/rings/not-a-ring', headers: auth('analyst') })).statusCode).toBe(400);
    expect((await s.app.inject({ method: 'GET', url: '/v1/rings/ring_0000000000_1/members', headers: auth('analyst') })).statusCode).toBe(404);
    expect((await s.app.inject({ method: 'GET', url: '/v1/rings/runs/rrun_00000000', headers: auth('analyst') })).statusCode).toBe(404);
  });
});

describe('GET /v1/rings/classes/{campaignId}', () => {
  it('classifies a campaign’s claimants, filterable by class', async () => {
    const all = (await s.app.inject({ method: 'GET', url: `/v1/rings/classes/${inc.special}`, headers: auth('analyst') })).json();
    expect(all.counts).toEqual({ ring_member: 80, ring_linked: 0, swept_in: 120, undetermined: 0 });
    const swept = (await s.app.inject({ method: 'GET', url: `/v1/rings/classes/${inc.special}?class=swept_in&limit=5`, headers: auth('analyst') })).json();
    expect(swept.items).toHaveLength(5);
    expect(swept.items.every((c: { class: string; reasons: { code: string }[] }) => c.class === 'swept_in' && c.reasons.some((r) => r.code === 'ORDINARY_HISTORY'))).toBe(true);
    const missing = await s.app.inject({ method: 'GET', url: '/v1/rings/classes/cmp_01ARZ3NDEKTSV4RRFFQ69G5FAV', headers: auth('analyst') });
    expect(missing.statusCode).toBe(404);
    expect((await s.app.inject({ method: 'GET', url: '/v1/rings/classes/not-a-campaign', headers: auth('analyst') })).statusCode).toBe(400);
  });
});

describe('OpenAPI', () => {
  it('documents the rings API', async () => {
    const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const p of ['/v1/rings/runs', '/v1/rings/runs/{runId}', '/v1/rings', '/v1/rings/{ringId}', '/v1/rings/{ringId}/members', '/v1/rings/{ringId}/export', '/v1/rings/classes/{campaignId}'])
      expect(Object.keys(doc.paths)).toContain(p);
  });
});
