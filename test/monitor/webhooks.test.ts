/**
 * Alerts reach a webhook receiver the test starts: signed (and the signature verifies), retried
 * with backoff when the receiver fails, then dead-lettered. Also the kill switch and /metrics.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/adapters/node/webhook-signature.js';
import { claimCoupon } from '../../src/core/claims/claim-coupon.js';
import { account, makeCampaign, testSystem, type TestSystem } from '../helpers.js';

let s: TestSystem;
let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
  await s?.shutdown();
});

/**
 * A receiver that answers each delivery with the next status in `statuses` (the last one repeats);
 * with `perAlert`, the sequence restarts for every alert.
 */
async function receiver(statuses: number[], perAlert = false) {
  const got: { body: string; signature: string }[] = [];
  const seen = new Map<string, number>();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ body, signature: String(req.headers['couponguard-signature'] ?? '') });
      const key = perAlert ? (JSON.parse(body) as { alert: { id: string } }).alert.id : '';
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      res.writeHead(statuses[Math.min(n - 1, statuses.length - 1)]!).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/hook`, got };
}

/** Raises a spike alert: 40 grants in 40 s on a special campaign that expects almost none online. */
async function burst(sys: TestSystem) {
  const c = await makeCampaign(sys, { name: 'event coupon', special: true, requireCode: true, channels: ['app', 'offline_event'] });
  const codes = (
    await sys.app.inject({ method: 'POST', url: `/v1/campaigns/${c.id}/code-batches`, headers: { authorization: `Bearer ${sys.keys.operator}` }, payload: { event: 'leak', count: 1, useLimit: 1000, expiresAt: new Date(sys.clock.now() + 3_600_000).toISOString() } })
  ).json<{ codes: { text: string }[] }>().codes;
  for (let i = 0; i < 40; i++) {
    sys.clock.advance(1_000);
    await claimCoupon(sys.deps, { campaignId: c.id, channel: 'app', code: codes[0]!.text, account: account() }, { scope: 't', idempotencyKey: `b${i}` });
  }
  const findings = await sys.monitor.tick();
  expect(findings.some((f) => f.rule === 'spike')).toBe(true);
  return findings;
}

async function addEndpoint(url: string) {
  const r = await s.app.inject({ method: 'POST', url: '/v1/webhooks', headers: { authorization: `Bearer ${s.keys.operator}` }, payload: { url } });
  expect(r.statusCode).toBe(201);
  return r.json<{ id: string; secret: string }>();
}

describe('alert webhooks', () => {
  it('delivers each new alert once, signed', async () => {
    s = await testSystem();
    const rx = await receiver([200]);
    const ep = await addEndpoint(rx.url);
    await burst(s);
    await s.monitor.tick(); // the same findings again: deduplicated, not sent again
    expect(rx.got.length).toBeGreaterThanOrEqual(1);
    const ids = rx.got.map((g) => (JSON.parse(g.body) as { alert: { id: string } }).alert.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const g of rx.got) {
      expect(verifyWebhook(ep.secret, g.signature, g.body, s.clock.now())).toBe(true);
      expect(verifyWebhook(ep.secret, g.signature, g.body.replace('spike', 'spikE'), s.clock.now())).toBe(false);
      expect(verifyWebhook('whsec_wrong', g.signature, g.body, s.clock.now())).toBe(false);
      // A captured delivery replayed an hour later is refused.
      expect(verifyWebhook(ep.secret, g.signature, g.body, s.clock.now() + 3_600_000)).toBe(false);
    }
    const body = JSON.parse(rx.got[0]!.body) as { event: string; alert: { evidence: { series: unknown[] } } };
    expect(body.event).toBe('alert.opened');
    expect(body.alert.evidence.series).toHaveLength(30);
  });

  it('retries a failing receiver with backoff, then dead-letters the delivery', async () => {
    s = await testSystem();
    const rx = await receiver([500, 503, 500, 500, 500, 500, 500]);
    await addEndpoint(rx.url);
    await burst(s);
    const alerts = (await s.deps.store.monitoring.listAlerts({ limit: 10 })).items.length;
    expect(alerts).toBeGreaterThanOrEqual(1);
    expect(rx.got.length).toBe(alerts); // first attempt of each
    // Nothing is retried before its backoff is over.
    await s.monitor.tick();
    expect(rx.got.length).toBe(alerts);
    for (let i = 0; i < 8; i++) {
      s.clock.advance(5 * 60_000);
      await s.monitor.tick();
    }
    expect(rx.got.length).toBe(6 * alerts); // six attempts each
    const dead = await s.app.inject({ method: 'GET', url: '/v1/webhooks/deliveries?status=dead', headers: { authorization: `Bearer ${s.keys.operator}` } });
    const items = dead.json<{ items: { attempts: number; lastError: string }[] }>().items;
    expect(items).toHaveLength(alerts);
    expect(items.every((d) => d.attempts === 6 && /HTTP 50/.test(d.lastError))).toBe(true);
  });

  it('a receiver that recovers gets the delivery on a retry', async () => {
    s = await testSystem();
    const rx = await receiver([500, 200]);
    await addEndpoint(rx.url);
    await burst(s);
    s.clock.advance(2_000);
    await s.monitor.tick();
    const delivered = await s.deps.store.monitoring.deliveries({ status: 'delivered', limit: 10 });
    expect(delivered.length).toBeGreaterThanOrEqual(1);
    expect(delivered[0]!.attempts).toBe(2);
  });
});

describe('kill switch and metrics', () => {
  it('pausing a channel stops grants through it at once, audited; resuming restores them', async () => {
    s = await testSystem();
    const c = await makeCampaign(s);
    const op = { authorization: `Bearer ${s.keys.operator}` };
    expect((await s.app.inject({ method: 'POST', url: '/v1/pauses/pause', headers: op, payload: { kind: 'channel', value: 'web', reason: 'bot traffic' } })).statusCode).toBe(200);
    const web = await claimCoupon(s.deps, { campaignId: c.id, channel: 'web', account: account() }, { scope: 't', idempotencyKey: 'w1' });
    expect(web.ok && web.value.reasons[0]!.code).toBe('CHANNEL_PAUSED');
    const app = await claimCoupon(s.deps, { campaignId: c.id, channel: 'app', account: account() }, { scope: 't', idempotencyKey: 'a1' });
    expect(app.ok && app.value.decision).toBe('allow');
    expect((await s.app.inject({ method: 'POST', url: '/v1/pauses/pause', headers: op, payload: { kind: 'channel', value: 'web' } })).statusCode).toBe(409);
    expect((await s.app.inject({ method: 'POST', url: '/v1/pauses/pause', headers: op, payload: { kind: 'channel', value: 'fax' } })).statusCode).toBe(400);
    expect((await s.app.inject({ method: 'POST', url: '/v1/pauses/resume', headers: op, payload: { kind: 'channel', value: 'web' } })).statusCode).toBe(200);
    const again = await claimCoupon(s.deps, { campaignId: c.id, channel: 'web', account: account() }, { scope: 't', idempotencyKey: 'w2' });
    expect(again.ok && again.value.decision).toBe('allow');
    const audit = (await s.deps.store.audit.list({ limit: 100 })).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['channel.pause', 'channel.resume']));
  });

  it('/metrics speaks Prometheus text to a reader key and nothing to strangers', async () => {
    s = await testSystem();
    const c = await makeCampaign(s);
    await s.app.inject({ method: 'POST', url: '/v1/claims', headers: { authorization: `Bearer ${s.keys.client}`, 'idempotency-key': 'm1' }, payload: { campaignId: c.id, channel: 'app', account: account() } });
    expect((await s.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const m = await s.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${s.keys.analyst}` } });
    expect(m.statusCode).toBe(200);
    expect(m.headers['content-type']).toMatch(/text\/plain/);
    expect(m.body).toMatch(/couponguard_claims_total\{decision="allow",channel="app"\} 1/);
    expect(m.body).toMatch(/couponguard_claim_duration_seconds_bucket/);
    expect(m.body).toMatch(/couponguard_alerts_open 0/);
    expect(m.body).toMatch(/couponguard_process_/);
  });
});

describe('operator thresholds', () => {
  it('a rate limit on a campaign, and on its coupon type as the sum of its campaigns, raises an alert', async () => {
    s = await testSystem();
    const a = await makeCampaign(s, { couponType: 'promo', monitor: { maxGrantsPerMinute: 5 }, limits: { perIdentity: 100, perAccount: 100 } });
    const b = await makeCampaign(s, { couponType: 'promo', monitor: { maxGrantsPerMinute: 5 }, limits: { perIdentity: 100, perAccount: 100 } });
    for (let i = 0; i < 8; i++) {
      s.clock.advance(2_000);
      await claimCoupon(s.deps, { campaignId: a.id, channel: 'app', account: account() }, { scope: 't', idempotencyKey: `ra${i}` });
      await claimCoupon(s.deps, { campaignId: b.id, channel: 'app', account: account() }, { scope: 't', idempotencyKey: `rb${i}` });
    }
    const f = await s.monitor.tick();
    const limits = f.filter((x) => x.rule === 'rate-limit').map((x) => `${x.scope.kind}:${x.scope.value}`).sort();
    expect(limits).toEqual([`campaign:${a.id}`, `campaign:${b.id}`, 'type:promo'].sort());
  });

  it('a budget threshold raises a warning, not a pause', async () => {
    s = await testSystem();
    const c = await makeCampaign(s, { budget: { count: 10, moneyFen: 100_000 }, monitor: { budgetAlertPercent: 50 }, limits: { perIdentity: 100, perAccount: 100 } });
    for (let i = 0; i < 6; i++) await claimCoupon(s.deps, { campaignId: c.id, channel: 'app', account: account() }, { scope: 't', idempotencyKey: `bu${i}` });
    const f = await s.monitor.tick();
    expect(f.find((x) => x.rule === 'budget')).toMatchObject({ severity: 'warning', autoPause: false });
    expect((await s.deps.store.campaigns.get(c.id))!.state).toBe('active');
  });
});

describe('several processes', () => {
  it('two monitors sharing the store raise one alert and send each delivery once', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dbPath = join(mkdtempSync(join(tmpdir(), 'cg-two-monitors-')), 'db.sqlite');
    s = await testSystem({ dbPath });
    const other = await testSystem({ dbPath, clock: s.clock });
    try {
      // The first attempt fails, so both monitors find the retry due at the same moment.
      const rx = await receiver([500, 200], true);
      await addEndpoint(rx.url);
      await burst(s);
      await other.monitor.tick();
      const alerts = (await s.deps.store.monitoring.listAlerts({ limit: 20 })).items;
      expect(new Set(alerts.map((a) => a.dedupKey)).size).toBe(alerts.length);
      s.clock.advance(2_000);
      await Promise.all([s.monitor.tick(), other.monitor.tick()]);
      const sent = rx.got.map((g) => (JSON.parse(g.body) as { alert: { id: string } }).alert.id);
      // One failed attempt and one retry per alert: never the retry twice.
      expect(sent.sort()).toEqual([...alerts, ...alerts].map((a) => a.id).sort());
    } finally {
      await other.shutdown();
    }
  });
});
