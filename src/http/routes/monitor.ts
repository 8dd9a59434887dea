import type { FastifyInstance } from 'fastify';
import type { MonitorRuntime } from '../../app/monitor-runtime.js';
import type { CoreDeps } from '../../core/deps.js';
import type { AlertStatus } from '../../core/monitor/alerts.js';
import { SERIES_METRICS, minuteOf, type SeriesKey } from '../../core/monitor/series.js';
import { CHANNELS } from '../../core/shared/channels.js';
import type { PauseScope } from '../../ports/store.js';
import { actorOf, READERS } from '../auth.js';
import { sendError } from '../errors.js';
import { errorResponses } from '../schemas.js';
import { iso } from '../views.js';

const alertView = (a: Awaited<ReturnType<CoreDeps['store']['monitoring']['getAlert']>>) => a && { ...a, firstAt: iso(a.firstAt), lastAt: iso(a.lastAt) };
const ALERT_ID = { type: 'object', additionalProperties: false, required: ['alertId'], properties: { alertId: { type: 'string', pattern: '^alr_[0-9A-HJKMNP-TV-Z]{26}$' } } } as const;
const PAUSE_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'value'],
  properties: {
    kind: { enum: ['type', 'channel'] },
    value: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
    reason: { type: 'string', maxLength: 300, default: 'kill switch' },
  },
  example: { kind: 'type', value: 'tv-guest-100', reason: 'forged QR codes in circulation' },
} as const;

/** Live series, alerts, the kill switch for coupon types and channels, and webhook endpoints. */
export function monitorRoutes(app: FastifyInstance, d: CoreDeps, monitor: MonitorRuntime): void {
  app.get<{ Querystring: { key?: string; minutes?: string } }>(
    '/v1/monitor/series',
    {
      config: { roles: READERS },
      schema: {
        tags: ['monitor'],
        summary: 'Per-minute series of one scope: campaign:<id>, type:<coupon type>, channel:<channel> or total',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { key: { type: 'string', pattern: '^(total|campaign:cmp_[0-9A-HJKMNP-TV-Z]{26}|type:[A-Za-z0-9_-]{1,64}|channel:[a-z_]{2,20})$' }, minutes: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' } },
        },
        response: errorResponses,
      },
    },
    async (req) => {
      const minutes = Math.min(1440, Number(req.query.minutes ?? 60));
      const now = minuteOf(d.clock.now());
      const key = (req.query.key ?? 'total') as SeriesKey;
      const points = [];
      for (let m = now - minutes + 1; m <= now; m++)
        points.push({ minute: iso(m * 60_000), ...Object.fromEntries(SERIES_METRICS.map((x) => [x, monitor.monitor.series.get(key, m, x)])) });
      return { key, points };
    },
  );

  app.get<{ Querystring: { status?: AlertStatus; limit?: string; after?: string } }>(
    '/v1/alerts',
    {
      config: { roles: READERS },
      schema: {
        tags: ['monitor'],
        summary: 'Alerts, newest first, with their evidence',
        querystring: { type: 'object', additionalProperties: false, properties: { status: { enum: ['open', 'acknowledged', 'resolved'] }, limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' }, after: { type: 'string', pattern: '^alr_[0-9A-HJKMNP-TV-Z]{26}$' } } },
        response: errorResponses,
      },
    },
    async (req) => {
      const p = await d.store.monitoring.listAlerts({ status: req.query.status, limit: Number(req.query.limit ?? 50), after: req.query.after });
      return { items: p.items.map(alertView), next: p.next };
    },
  );

  app.get<{ Params: { alertId: string } }>(
    '/v1/alerts/:alertId',
    { config: { roles: READERS }, schema: { tags: ['monitor'], summary: 'One alert', params: ALERT_ID, response: errorResponses } },
    async (req, reply) => {
      const a = await d.store.monitoring.getAlert(req.params.alertId);
      return a ? alertView(a) : sendError(reply, 'NOT_FOUND', `alert ${req.params.alertId} not found`);
    },
  );

  for (const [path, to] of [['ack', 'acknowledged'], ['resolve', 'resolved']] as const) {
    app.post<{ Params: { alertId: string } }>(
      `/v1/alerts/:alertId/${path}`,
      { config: { roles: ['operator', 'analyst'] }, schema: { tags: ['monitor'], summary: `${to === 'acknowledged' ? 'Acknowledge' : 'Resolve'} an alert (audited)`, params: ALERT_ID, response: errorResponses } },
      async (req, reply) => {
        const r = await d.store.monitoring.setAlertStatus(req.params.alertId, to, d.clock.now(), actorOf(req));
        if (!r.alert) return sendError(reply, 'NOT_FOUND', `alert ${req.params.alertId} not found`);
        if (!r.changed) return sendError(reply, 'INVALID_STATE', `alert is ${r.alert.status}`);
        return alertView(r.alert);
      },
    );
  }

  app.get('/v1/pauses', { config: { roles: READERS }, schema: { tags: ['monitor'], summary: 'Coupon types and channels paused now', response: errorResponses } }, async () => ({
    items: (await d.store.monitoring.activePauses()).map((p) => ({ ...p, pausedAt: iso(p.pausedAt) })),
  }));

  for (const action of ['pause', 'resume'] as const) {
    app.post<{ Body: { kind: PauseScope; value: string; reason: string } }>(
      `/v1/pauses/${action}`,
      {
        config: { roles: ['operator'] },
        schema: { tags: ['monitor'], summary: `Kill switch: ${action} a coupon type or a channel everywhere, within a second (audited)`, body: PAUSE_BODY, response: errorResponses },
      },
      async (req, reply) => {
        const { kind, value, reason } = req.body;
        if (kind === 'channel' && !(CHANNELS as readonly string[]).includes(value)) return sendError(reply, 'VALIDATION_FAILED', `unknown channel ${value}`);
        const audit = { actor: actorOf(req), action: `${kind}.${action}`, target: value, details: { reason } };
        const now = d.clock.now();
        const changed = action === 'pause' ? await d.store.monitoring.pause(kind, value, reason, now, audit) : await d.store.monitoring.resume(kind, value, now, audit);
        if (!changed) return sendError(reply, 'INVALID_STATE', `${kind} ${value} is ${action === 'pause' ? 'already paused' : 'not paused'}`);
        return { kind, value, paused: action === 'pause' };
      },
    );
  }

  app.post<{ Body: { url: string } }>(
    '/v1/webhooks',
    {
      config: { roles: ['operator', 'admin'] },
      schema: {
        tags: ['monitor'],
        summary: 'Add a webhook endpoint for alerts; its signing secret is shown once (audited)',
        description: 'Deliveries are POSTed with header Couponguard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>; retried with backoff, then dead-lettered.',
        body: { type: 'object', additionalProperties: false, required: ['url'], properties: { url: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 500 } } },
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const e = { id: d.ids.next<string>('webhook'), url: req.body.url, secret: `whsec_${d.ids.random(24)}`, createdAt: d.clock.now(), createdBy: actorOf(req), disabledAt: null };
      await d.store.monitoring.addEndpoint(e, { actor: e.createdBy, action: 'webhook.add', target: e.id, details: { url: e.url } });
      return reply.code(201).send({ ...e, createdAt: iso(e.createdAt) });
    },
  );

  app.get('/v1/webhooks', { config: { roles: ['operator', 'admin', 'auditor'] }, schema: { tags: ['monitor'], summary: 'Webhook endpoints (secrets hidden)', response: errorResponses } }, async () => ({
    items: (await d.store.monitoring.listEndpoints()).map(({ secret: _s, ...e }) => ({ ...e, createdAt: iso(e.createdAt), disabledAt: iso(e.disabledAt) })),
  }));

  app.get<{ Querystring: { status?: 'pending' | 'delivered' | 'dead' } }>(
    '/v1/webhooks/deliveries',
    {
      config: { roles: ['operator', 'admin', 'auditor'] },
      schema: { tags: ['monitor'], summary: 'Webhook deliveries; status=dead is the dead-letter list', querystring: { type: 'object', additionalProperties: false, properties: { status: { enum: ['pending', 'delivered', 'dead'] } } }, response: errorResponses },
    },
    async (req) => ({ items: (await d.store.monitoring.deliveries({ status: req.query.status, limit: 500 })).map((x) => ({ ...x, nextAt: iso(x.nextAt), deliveredAt: iso(x.deliveredAt) })) }),
  );
}
