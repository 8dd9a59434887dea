import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { CoreDeps } from '../core/deps.js';
import { authHook } from './auth.js';
import { DEFAULT_BODY_LIMIT } from './limits.js';
import { handleError, sendError } from './errors.js';
import { strictDateTime } from './formats.js';
import addFormats from 'ajv-formats';
import { adminRoutes } from './routes/admin.js';
import { campaignRoutes } from './routes/campaigns.js';
import { claimRoutes } from './routes/claims.js';
import { codeRoutes } from './routes/codes.js';
import { couponRoutes } from './routes/coupons.js';
import { incidentResponseRoutes } from './routes/incidents.js';
import { orderRoutes } from './routes/orders.js';
import { riskRoutes } from './routes/risk.js';
import { ringRoutes } from './routes/rings.js';
import { monitorRoutes } from './routes/monitor.js';
import { revocationRoutes } from './routes/revocations.js';
import { registerMetrics } from './metrics.js';
import { MonitorRuntime } from '../app/monitor-runtime.js';
import { MemoryCounters } from '../adapters/memory/counters.js';
import type { Counters } from '../ports/counters.js';
import type { RingRunDetect } from '../core/rings/use-cases.js';

export interface AppOptions {
  readonly logger?: FastifyServerOptions['logger'];
  /** Largest accepted request body in bytes (routes that take long lists allow more: limits.ts). */
  readonly bodyLimit?: number;
  /** The risk runtime, so policy and list changes apply in this process at once. */
  readonly risk?: { refresh(force?: boolean): Promise<void> } | null;
  /** Counters for backtests (fresh per run). */
  readonly newCounters?: () => Counters;
  /** The live monitor, for its series in the API and /metrics. */
  readonly monitor?: MonitorRuntime | null;
  /** The largest window, in claims, of a backtest answered in the request (routes/risk.ts). */
  readonly backtestMaxClaims?: number;
  /** Where analysts' ring runs detect (the composed detector thread on a database file); here by default. */
  readonly ringRunDetect?: RingRunDetect | null;
}

// ajv-formats first (named, so Fastify does not add it again after us), then our strict date-time.
const AJV_PLUGINS = [addFormats.default, strictDateTime] as unknown as NonNullable<NonNullable<FastifyServerOptions['ajv']>['plugins']>;

/** A malformed URL (bad percent-encoding, over-long parameter) gets the same error shape. */
const frameworkErrors: FastifyServerOptions['frameworkErrors'] = (error, _req, reply) =>
  sendError(reply, error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'URI_TOO_LONG' : 'VALIDATION_FAILED', error.message);

/** Builds the HTTP app without listening: tests call `app.inject()`, `serve` calls `listen`. */
export async function buildApp(d: CoreDeps, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(given) ? given : randomUUID();
    },
    ajv: {
      // Wrong types are errors, not silently converted; unknown fields are errors, not dropped.
      customOptions: { keywords: ['example'], coerceTypes: false, removeAdditional: false, allErrors: false, useDefaults: true },
      plugins: AJV_PLUGINS,
    },
    routerOptions: { maxParamLength: 200 },
    // A malformed URL (bad percent-encoding, over-long parameter) gets the same error shape.
    frameworkErrors,
    return503OnClosing: true,
  });
  app.decorateRequest('apiKey', null);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((_req, reply) => sendError(reply, 'ROUTE_NOT_FOUND', 'no such route'));
  // Hooks on every request are callback-style, not async: each async hook costs a promise and a
  // microtask turn per request on the claim path.
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    done(null, payload);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'couponguard',
        version: '1',
        description:
          'Coupon platform with a built-in real-time risk engine. Money is CNY in integer fen. Every error has the shape {code, message, requestId}. Authenticate with `Authorization: Bearer <api key>`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.addHook('onRequest', authHook(d));
  // Action routes (pause, revoke, ...) take an optional body: no body means an empty one.
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.method === 'POST' && req.body === undefined) req.body = {};
    done();
  });

  app.get('/health', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  campaignRoutes(app, d);
  codeRoutes(app, d);
  claimRoutes(app, d);
  couponRoutes(app, d);
  orderRoutes(app, d);
  adminRoutes(app, d);
  // Without the composed monitor (tests building the app alone) the series read from an idle one.
  const monitor = opts.monitor ?? new MonitorRuntime(d, { tickMs: 0 });
  monitorRoutes(app, d, monitor);
  registerMetrics(app, d, monitor);
  revocationRoutes(app, d);
  ringRoutes(app, d, opts.ringRunDetect ?? undefined);
  riskRoutes(app, d, {
    newCounters: opts.newCounters ?? (() => new MemoryCounters()),
    ...(opts.backtestMaxClaims !== undefined ? { backtestMaxClaims: opts.backtestMaxClaims } : {}),
    refresh: async () => {
      await opts.risk?.refresh(true);
    },
  });
  // Incidents, traces, evidence, make-goods and the jobs behind them (jobs left unfinished resume here).
  incidentResponseRoutes(app, d);
  await app.ready();
  return app;
}
