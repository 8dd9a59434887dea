import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MonitorRuntime } from '../app/monitor-runtime.js';
import type { CoreDeps } from '../core/deps.js';
import { READERS } from './auth.js';

/**
 * Prometheus metrics: the service (requests, claim decisions and latency, process) and the
 * monitor's live series (grants per minute observed and expected, open alerts, active pauses).
 * One registry per app, so several apps in one process (tests) do not collide.
 */
export function registerMetrics(app: FastifyInstance, d: CoreDeps, monitor: MonitorRuntime | null): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'couponguard_process_' });
  const requests = new Counter({ name: 'couponguard_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] });
  const claims = new Counter({ name: 'couponguard_claims_total', help: 'Claims answered, by decision and channel', labelNames: ['decision', 'channel'], registers: [registry] });
  const claimSeconds = new Histogram({
    name: 'couponguard_claim_duration_seconds',
    help: 'Time to answer a claim',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
    registers: [registry],
  });
  new Gauge({
    name: 'couponguard_grants_per_minute',
    help: 'Grants in the last 60 s per monitored scope (campaign, coupon type)',
    labelNames: ['scope'],
    registers: [registry],
    collect() {
      this.reset();
      if (!monitor) return;
      const now = d.clock.now();
      for (const key of monitor.monitor.series.keys()) this.set({ scope: key }, monitor.monitor.observedRate(key, now));
    },
  });
  new Gauge({
    name: 'couponguard_alerts_open',
    help: 'Alerts not yet resolved',
    registers: [registry],
    async collect() {
      const open = await d.store.monitoring.listAlerts({ status: 'open', limit: 1000 });
      this.set(open.items.length);
    },
  });
  new Gauge({
    name: 'couponguard_pauses_active',
    help: 'Coupon types and channels paused',
    registers: [registry],
    async collect() {
      this.set((await d.store.monitoring.activePauses()).length);
    },
  });

  // Label sets resolved once per combination: prom-client hashes a label object on every inc().
  const children = new Map<string, { inc(): void }>();
  const child = (metric: Counter, ...values: string[]) => {
    const k = `${metric === requests ? 'r' : 'c'}\u0000${values.join('\u0000')}`;
    let c = children.get(k);
    if (!c) {
      c = metric.labels(...values);
      children.set(k, c);
    }
    return c;
  };
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unknown';
    child(requests, route, String(reply.statusCode)).inc();
    if (route === '/v1/claims' && req.method === 'POST' && reply.statusCode === 200) {
      claimSeconds.observe(reply.elapsedTime / 1000);
      const body = req.body as { channel?: string } | undefined;
      child(claims, String(reply.getHeader('x-decision') ?? 'unknown'), body?.channel ?? 'unknown').inc();
    }
    done();
  });

  // Outside the JSON API (and its OpenAPI document): Prometheus text for scrapers with a reader key.
  app.get('/metrics', { config: { roles: READERS }, schema: { hide: true } }, async (_req, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
