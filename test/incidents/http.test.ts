/**
 * Incident response over HTTP: roles (operator acts, analyst traces, auditor reads and exports),
 * bad input refused in the error shape with nothing changed, jobs followed through /v1/jobs,
 * masking of personal data by role, loss as JSON and HTML, evidence as a packed bundle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/core/incidents/evidence.js';
import { factsOf } from '../../src/adapters/node/evidence-bundle.js';
import { MANIFEST_FILE, PROOF_FILE } from '../../src/core/incidents/evidence.js';
import type { Role } from '../../src/ports/store.js';
import { testSystem, type TestSystem } from '../helpers.js';
import { buildWorld, dbOf, type World } from './world.js';

let s: TestSystem;
let w: World;
const as = (role: Role) => ({ authorization: `Bearer ${s.keys[role]}` });

async function call(method: 'GET' | 'POST', url: string, role: Role, payload?: unknown) {
  const r = await s.app.inject({ method, url, headers: as(role), ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { status: r.statusCode, body: r.headers['content-type']?.toString().includes('json') ? r.json<Record<string, unknown>>() : r.body, raw: r.body, type: r.headers['content-type'] };
}

async function waitJob(id: string) {
  for (let i = 0; i < 500; i++) {
    const j = await call('GET', `/v1/jobs/${id}`, 'auditor');
    const st = (j.body as { status: string }).status;
    if (st === 'done' || st === 'failed') return j.body as { status: string; counts: Record<string, number> };
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('job did not finish');
}

const changes = () => dbOf(s).prepare('SELECT total_changes()').pluck().get() as number;

beforeAll(async () => {
  s = await testSystem();
  w = await buildWorld(s);
});
afterAll(async () => s.shutdown());

describe('incidents over HTTP', () => {
  let incidentId = '';

  it('refuses strangers, the wrong roles and bad input in the error shape, changing nothing', async () => {
    const body = { title: 'TV coupon theft', scope: [{ kind: 'campaign', value: w.stolen.id }] };
    const before = changes();
    expect((await s.app.inject({ method: 'POST', url: '/v1/incidents', payload: body })).statusCode).toBe(401);
    for (const role of ['client', 'analyst', 'auditor'] as const) expect((await call('POST', '/v1/incidents', role, body)).status).toBe(403);
    const bad = [
      { title: 'x', scope: [] },
      { title: 'x', scope: [{ kind: 'campaign', value: 'not-a-campaign' }] },
      { title: 'x', scope: [{ kind: 'topup_target', value: 'phone:12' }] },
      { title: 'x', scope: [{ kind: 'planet', value: 'mars' }] },
      { title: '', scope: body.scope },
      { title: 'x', scope: body.scope, window: { from: '2019-01-20T00:00:00Z', to: '2019-01-19T00:00:00Z' } },
      { title: 'x', scope: body.scope, extra: 1 },
      { title: 'x', scope: [{ kind: 'ring', value: 'ring-7' }] },
    ];
    for (const b of bad) {
      const r = await call('POST', '/v1/incidents', 'operator', b);
      expect(r.status, JSON.stringify(b)).toBe(400);
      expect(Object.keys(r.body as object).sort()).toEqual(['code', 'message', 'requestId']);
    }
    expect(changes()).toBe(before);
    const ok = await call('POST', '/v1/incidents', 'operator', body);
    expect(ok.status).toBe(201);
    incidentId = (ok.body as { id: string }).id;
    expect(incidentId).toMatch(/^inc_/);
  });

  it('takes lists as CSV, classifies, freezes as a job, and shows it all in the timeline', async () => {
    const csv = `account_id\n${w.swept.join('\n')}\n`;
    expect((await call('POST', `/v1/incidents/${incidentId}/accounts/upload`, 'operator', { csv, class: 'swept_in' })).body).toEqual({ changed: 4 });
    const badCsv = await call('POST', `/v1/incidents/${incidentId}/scope/upload`, 'operator', { kind: 'order', csv: `${w.ringOrders[0]}\nnot-an-order\n` });
    expect(badCsv.status).toBe(400);
    expect((await call('POST', `/v1/incidents/${incidentId}/scope/upload`, 'operator', { kind: 'topup_target', csv: 'target\n+86 138 0000 0001\n' })).body).toEqual({ added: 1 });
    const started = await call('POST', `/v1/incidents/${incidentId}/freeze`, 'operator', {});
    expect(started.status).toBe(202);
    const job = await waitJob((started.body as { job: { id: string } }).job.id);
    expect(job.counts).toMatchObject({ frozen: 5, flagged: 3, spared: 4 });
    const summary = (await call('GET', `/v1/incidents/${incidentId}`, 'auditor')).body as { orders: Record<string, number>; activeJob: unknown };
    expect(summary.orders).toEqual({ frozen: 5, flagged: 3, spared: 4 });
    expect(summary.activeJob).toBeNull();
    const timeline = (await call('GET', `/v1/incidents/${incidentId}/timeline`, 'auditor')).body as { items: { action: string; actor: string }[] };
    expect(timeline.items.map((e) => e.action)).toEqual(['incident.open', 'incident.classify', 'incident.scope.add', 'incident.freeze.start', 'incident.freeze.done']);
    const members = (await call('GET', `/v1/incidents/${incidentId}/orders?disposition=frozen`, 'analyst')).body as { items: { orderId: string }[] };
    expect(members.items.map((m) => m.orderId).sort()).toEqual(w.ringOrders.slice(3).sort());
    // Analysts trace but do not act; one order by hand.
    expect((await call('POST', `/v1/incidents/${incidentId}/release`, 'analyst', { orderId: w.ringOrders[4] })).status).toBe(403);
    const one = await call('POST', `/v1/incidents/${incidentId}/release`, 'operator', { orderId: w.ringOrders[4], note: 'paid back' });
    expect(one.body).toMatchObject({ disposition: 'released', orderId: w.ringOrders[4] });
    expect((await call('POST', `/v1/incidents/${incidentId}/release`, 'operator', { orderId: w.normalOrders[0] })).status).toBe(404);
  });

  it('traces an order back to its code and claim, masking personal data for analysts', async () => {
    const url = `/v1/orders/${w.ringOrders[5]}/trace`;
    expect((await call('GET', url, 'operator')).status).toBe(403);
    const masked = (await call('GET', url, 'analyst')).body as { chains: { code: { event: string }; claim: { phone: string; ip: string; accountId: string }; orders: { order: { items: { topupTarget: string }[]; status: string }; events: { action: string }[]; incidents: { disposition: string }[] }[] }[] };
    expect(masked.chains).toHaveLength(1);
    const chain = masked.chains[0]!;
    expect(chain.code.event).toBe('TV recording');
    expect(chain.claim.accountId).toBe(w.ring[5]);
    expect(chain.claim.phone).toContain('****');
    expect(chain.claim.ip).toContain('*');
    expect(chain.orders[0]!.order.items[0]!.topupTarget).toMatch(/^phone:138\*{4}\d{4}$/);
    expect(chain.orders[0]!.events.map((e) => e.action)).toEqual(['place', 'freeze']);
    expect(chain.orders[0]!.incidents).toEqual([{ incidentId, disposition: 'frozen' }]);
    const clear = (await call('GET', url, 'auditor')).body as typeof masked;
    expect(clear.chains[0]!.claim.phone).not.toContain('*');
    // By top-up target: every order topping up that phone.
    const byTarget = (await call('GET', `/v1/topup-targets/${encodeURIComponent('+86 138 0000 0001')}/trace`, 'auditor')).body as { chains: unknown[] };
    expect(byTarget.chains).toHaveLength(3);
    expect((await call('GET', '/v1/orders/ord_00000000000000000000000000/trace', 'analyst')).status).toBe(404);
    expect((await call('GET', '/v1/topup-targets/nowhere/trace', 'analyst')).status).toBe(400);
    expect((await call('GET', '/v1/topup-targets/qq:10001/trace', 'analyst')).status).toBe(404);
    expect((await call('GET', '/v1/accounts/nobody-here/trace', 'analyst')).status).toBe(404);
    const byAccount = (await call('GET', `/v1/accounts/${w.ring[0]}/trace`, 'analyst')).body as { chains: unknown[] };
    expect(byAccount.chains).toHaveLength(2);
    const byCode = (await call('GET', `/v1/codes/${w.codeId}/trace`, 'analyst')).body as { chains: unknown[] };
    expect(byCode.chains).toHaveLength(12);
  });

  it('aggregates per ring, target, device and network', async () => {
    const a = (await call('GET', `/v1/incidents/${incidentId}/aggregates`, 'analyst')).body as Record<string, { key: string; orders: number }[]>;
    expect(a.ring!.find((r) => r.key === 'swept_in')?.orders).toBe(4);
    expect(a.target!.map((r) => r.orders)).toEqual([3, 3, 2]);
    expect(a.target![0]!.key).toContain('****');
    expect(a.device!.find((r) => r.key === 'farm-0')?.orders).toBe(4);
    expect(a.network!.find((r) => r.key.startsWith('203.0'))?.orders).toBe(8);
  });

  it('reports the loss live, as JSON and as an HTML page with a chart', async () => {
    const loss = (await call('GET', `/v1/incidents/${incidentId}/loss`, 'auditor')).body as { checks: Record<string, boolean>; granted: { count: number } };
    expect(loss.checks).toEqual({ grantedIsRedeemedPlusUnused: true, redeemedIsFulfilledFrozenCancelledPending: true });
    expect(loss.granted.count).toBe(12);
    const page = await call('GET', `/v1/incidents/${incidentId}/loss.html`, 'operator');
    expect(page.type).toContain('text/html');
    expect(page.raw).toContain('<svg');
    expect(page.raw).toContain('Real loss so far');
    const campaign = (await call('GET', `/v1/campaigns/${w.festival.id}/loss`, 'analyst')).body as { granted: { count: number } };
    expect(campaign.granted.count).toBe(11);
  });

  it('exports evidence for auditors (clear) and analysts (masked); the packed bundle verifies', async () => {
    expect((await call('POST', `/v1/incidents/${incidentId}/exports`, 'operator', {})).status).toBe(403);
    expect((await call('POST', `/v1/incidents/${incidentId}/exports?clear=true`, 'analyst', {})).status).toBe(403);
    for (const role of ['auditor', 'analyst'] as const) {
      const r = await call('POST', `/v1/incidents/${incidentId}/exports`, role, {});
      expect(r.status).toBe(201);
      const files = (r.body as { files: Record<string, string> }).files;
      const facts = Object.entries(files)
        .filter(([n]) => n !== MANIFEST_FILE && n !== PROOF_FILE)
        .map(([n, t]) => factsOf(n, Buffer.from(t)));
      const v = verifyBundle(s.deps.sha256, { manifestText: files[MANIFEST_FILE]!, proofText: files[PROOF_FILE]!, files: facts });
      expect(v).toMatchObject({ ok: true, problems: [] });
      const phonesInClear = /\b1\d{10}\b/.test(files['decisions.csv']!);
      expect(phonesInClear).toBe(role === 'auditor');
    }
  });

  it('lists and guards jobs', async () => {
    const list = (await call('GET', `/v1/jobs?ref=${incidentId}`, 'analyst')).body as { items: { kind: string; status: string }[] };
    expect(list.items).toEqual([expect.objectContaining({ kind: 'incident.freeze', status: 'done' })]);
    expect((await call('GET', '/v1/jobs/job_00000000000000000000000000', 'auditor')).status).toBe(404);
    expect((await call('GET', '/v1/jobs/nope', 'auditor')).status).toBe(400);
    const done = list.items as unknown as { id: string }[];
    expect((await call('POST', `/v1/jobs/${done[0]!.id}/pause`, 'operator', {})).status).toBe(409);
    expect((await call('POST', `/v1/jobs/${done[0]!.id}/pause`, 'auditor', {})).status).toBe(403);
  });

  it('runs a make-good once per account, within its budget', async () => {
    const r = await call('POST', '/v1/makegoods', 'operator', { name: 'sorry ¥20', campaignId: w.festival.id, budgetFen: 5 * 2_000, accounts: [...w.normal.slice(0, 7), w.swept[0]] });
    expect(r.status).toBe(201);
    const id = (r.body as { id: string }).id;
    const run = await call('POST', `/v1/makegoods/${id}/run`, 'operator', {});
    expect(run.status).toBe(202);
    const job = await waitJob((run.body as { job: { id: string } }).job.id);
    expect(job.counts).toMatchObject({ issued: 5, stoppedAtBudget: 1 });
    const m = (await call('GET', `/v1/makegoods/${id}`, 'auditor')).body as { issuedCount: number; budgetLeftFen: number; recipients: Record<string, number> };
    expect(m).toMatchObject({ issuedCount: 5, budgetLeftFen: 0, recipients: { issued: 5, pending: 3 } });
    expect((await call('POST', '/v1/makegoods', 'operator', { name: 'locked', campaignId: w.stolen.id, budgetFen: 10_000, accounts: ['u1'] })).status).toBe(409);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    for (const p of ['/v1/incidents', '/v1/incidents/{incidentId}/freeze', '/v1/incidents/{incidentId}/exports', '/v1/orders/{orderId}/trace', '/v1/topup-targets/{target}/trace', '/v1/jobs/{jobId}', '/v1/makegoods/{makegoodId}/run', '/v1/incidents/{incidentId}/loss.html'])
      expect(doc.paths[p], p).toBeDefined();
  });
});
