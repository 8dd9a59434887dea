import type { FastifyInstance } from 'fastify';
import type { CoreDeps } from '../../core/deps.js';
import type { ListKind, ListName } from '../../core/risk/lists.js';
import type { PolicyDoc } from '../../core/risk/policy-doc.js';
import { shadowReport } from '../../core/risk/backtest.js';
import { runBacktest } from '../../core/risk/run-backtest.js';
import { BACKTEST_JOB, backtestReportOf, startBacktest } from '../../core/risk/backtest-job.js';
import { processJobService } from '../../app/job-handlers.js';
import type { JobId } from '../../core/jobs/job.js';
import { jobView } from '../incident-views.js';
import { addListEntry, publishPolicy, removeListEntry, reviewClaim, reviewOrder, setPolicyStatus, validatePolicy } from '../../core/risk/use-cases.js';
import type { ClaimId, OrderId } from '../../core/shared/ids.js';
import type { Counters } from '../../ports/counters.js';
import type { ReviewVerdict } from '../../ports/store.js';
import { actorOf, READERS } from '../auth.js';
import { sendAppError, sendError } from '../errors.js';
import { backtestBody, errorResponses, listEntryBody, pageQuery, params, policyDocSchema, publishBody, rangeQuery, reviewBody } from '../schemas.js';
import { claimView, iso, ms, orderView } from '../views.js';

/** The largest window (in claims) a backtest answered in the request may replay. */
export const ONE_SHOT_BACKTEST_CLAIMS = 50_000;

export interface RiskRouteOptions {
  /** The largest window, in claims, of a backtest answered in the request (default ONE_SHOT_BACKTEST_CLAIMS). */
  readonly backtestMaxClaims?: number;
  /** Fresh counters for a backtest. */
  readonly newCounters: () => Counters;
  /** Called after a policy or list change so this process applies it at once. */
  readonly refresh: () => Promise<void>;
}

const versionParams = { type: 'object', additionalProperties: false, required: ['version'], properties: { version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } } } as const;
const RISK_WRITERS = ['analyst'] as const;

export function riskRoutes(app: FastifyInstance, d: CoreDeps, o: RiskRouteOptions): void {
  const view = (p: { version: number; status: string; createdAt: number; createdBy: string; note: string; doc: PolicyDoc }) => ({ ...p, createdAt: iso(p.createdAt) });

  app.get('/v1/policies', { config: { roles: READERS }, schema: { tags: ['risk'], summary: 'Policy versions (live, shadow, retired)', response: errorResponses } }, async () => ({
    items: (await d.store.policies.list()).map(view),
  }));

  app.get<{ Params: { version: string } }>(
    '/v1/policies/:version',
    { config: { roles: READERS }, schema: { tags: ['risk'], summary: 'One policy version', params: versionParams, response: errorResponses } },
    async (req, reply) => {
      const p = await d.store.policies.get(Number(req.params.version));
      return p ? view(p) : sendError(reply, 'NOT_FOUND', `policy version ${req.params.version} not found`);
    },
  );

  app.post<{ Body: PolicyDoc }>(
    '/v1/policies/validate',
    { config: { roles: READERS }, schema: { tags: ['risk'], summary: 'Check a policy without publishing it: every problem with its position', body: policyDocSchema, response: errorResponses } },
    async (req) => {
      const problems = validatePolicy(d.rules, req.body);
      return { valid: problems.length === 0, problems };
    },
  );

  app.post<{ Body: { policy: PolicyDoc; status: 'live' | 'shadow'; note: string } }>(
    '/v1/policies',
    {
      config: { roles: RISK_WRITERS },
      schema: {
        tags: ['risk'],
        summary: 'Publish a policy as live or as shadow (audited); a policy with any error is refused and the live one stays',
        body: publishBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const r = await publishPolicy(d, d.rules, req.body.policy, req.body.status, actorOf(req), req.body.note);
      if (!r.ok) return sendAppError(reply, r.error);
      await o.refresh();
      return reply.code(201).send(view(r.value));
    },
  );

  for (const [action, status] of [['promote', 'live'], ['retire', 'retired']] as const) {
    app.post<{ Params: { version: string } }>(
      `/v1/policies/:version/${action}`,
      { config: { roles: RISK_WRITERS }, schema: { tags: ['risk'], summary: `${action === 'promote' ? 'Make a version live' : 'Retire a version'} (audited)`, params: versionParams, response: errorResponses } },
      async (req, reply) => {
        const r = await setPolicyStatus(d, Number(req.params.version), status, actorOf(req));
        if (!r.ok) return sendAppError(reply, r.error);
        await o.refresh();
        return view(r.value);
      },
    );
  }

  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/v1/policies/shadow/report',
    { config: { roles: READERS }, schema: { tags: ['risk'], summary: 'Live versus shadow decisions over recorded claims', querystring: rangeQuery, response: errorResponses } },
    async (req) => {
      const now = d.clock.now();
      return shadowReport(d.store.claims.scan({ from: req.query.from ? ms(req.query.from) : now - 86_400_000, to: req.query.to ? ms(req.query.to) : now + 1 }));
    },
  );

  app.post<{ Body: { version?: number; policy?: PolicyDoc; from?: string; to?: string } }>(
    '/v1/backtests',
    {
      config: { roles: READERS },
      schema: {
        tags: ['risk'],
        summary: 'Replay recorded claims through a policy (stored or draft) and compare decisions',
        description: `Answered in the request, for windows of up to ${ONE_SHOT_BACKTEST_CLAIMS.toLocaleString('en-US')} claims; larger windows: POST /v1/backtest-jobs.`,
        body: backtestBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const now = d.clock.now();
      const from = req.body.from ? ms(req.body.from) : now - 86_400_000;
      const to = req.body.to ? ms(req.body.to) : now + 1;
      // Answered in the request, so it runs on the serving thread: a window of a few hundred
      // thousand claims would stop every claim for seconds. Larger windows run as jobs.
      const max = o.backtestMaxClaims ?? ONE_SHOT_BACKTEST_CLAIMS;
      const claims = to > from ? await d.store.claims.countRange({ from, to }) : 0;
      if (claims > max)
        return sendError(reply, 'VALIDATION_FAILED', `the window holds ${claims} claims; a backtest answered in the request takes at most ${max}: run it as a job (POST /v1/backtest-jobs), which reports progress and resumes after a crash`);
      const r = await runBacktest(d, { version: req.body.version, policy: req.body.policy, from, to }, o.newCounters());
      return r.ok ? r.value : sendAppError(reply, r.error);
    },
  );

  const jobs = processJobService(d);
  const jobParams = { type: 'object', additionalProperties: false, required: ['backtestJobId'], properties: { backtestJobId: { type: 'string', pattern: '^job_[0-9A-HJKMNP-TV-Z]{26}$' } } } as const;
  app.post<{ Body: { version?: number; policy?: PolicyDoc; from?: string; to?: string } }>(
    '/v1/backtest-jobs',
    {
      config: { roles: READERS },
      schema: {
        tags: ['risk'],
        summary: 'Backtest as a resumable job: 202 with the job; progress and the report so far at GET /v1/backtest-jobs/{jobId}',
        description: 'For windows too large to answer in one request. Pause and resume it through /v1/jobs/{jobId}/pause and /resume.',
        body: backtestBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const now = d.clock.now();
      const r = await startBacktest(
        d,
        { version: req.body.version, policy: req.body.policy, from: req.body.from ? ms(req.body.from) : now - 86_400_000, to: req.body.to ? ms(req.body.to) : now + 1 },
        actorOf(req),
      );
      if (!r.ok) return sendAppError(reply, r.error);
      jobs.spawn(r.value.id);
      return reply.code(202).send({ ...jobView(r.value), report: `/v1/backtest-jobs/${r.value.id}` });
    },
  );

  app.get<{ Params: { backtestJobId: string } }>(
    '/v1/backtest-jobs/:backtestJobId',
    { config: { roles: READERS }, schema: { tags: ['risk'], summary: 'A backtest job: its progress and its report so far (final once status is done)', params: jobParams, response: errorResponses } },
    async (req, reply) => {
      const j = await d.store.jobs.get(req.params.backtestJobId as JobId);
      if (!j || j.kind !== BACKTEST_JOB) return sendError(reply, 'NOT_FOUND', `backtest job ${req.params.backtestJobId} not found`);
      return { job: jobView(j), report: backtestReportOf(j) };
    },
  );

  app.get('/v1/lists', { config: { roles: READERS }, schema: { tags: ['risk'], summary: 'Active block and allow list entries', response: errorResponses } }, async () => ({
    items: (await d.store.lists.active(d.clock.now())).map((e) => ({ ...e, expiresAt: iso(e.expiresAt), createdAt: iso(e.createdAt) })),
  }));

  app.post<{ Body: { list: ListName; kind: ListKind; value: string; reason: string; expiresAt?: string } }>(
    '/v1/lists',
    { config: { roles: ['analyst', 'operator'] }, schema: { tags: ['risk'], summary: 'Add a block or allow list entry (audited)', body: listEntryBody, response: errorResponses } },
    async (req, reply) => {
      const b = req.body;
      const r = await addListEntry(d, { ...b, expiresAt: b.expiresAt ? ms(b.expiresAt) : null }, actorOf(req));
      if (!r.ok) return sendAppError(reply, r.error);
      await o.refresh();
      return reply.code(201).send({ ...r.value, expiresAt: iso(r.value.expiresAt), createdAt: iso(r.value.createdAt) });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/lists/:id',
    {
      config: { roles: ['analyst', 'operator'] },
      schema: { tags: ['risk'], summary: 'Remove a list entry (audited)', params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,12}$' } } }, response: errorResponses },
    },
    async (req, reply) => {
      const r = await removeListEntry(d, Number(req.params.id), actorOf(req));
      if (!r.ok) return sendAppError(reply, r.error);
      await o.refresh();
      return r.value;
    },
  );

  app.get<{ Querystring: { limit?: string; after?: string } }>(
    '/v1/review/claims',
    { config: { roles: ['analyst', 'operator', 'auditor'] }, schema: { tags: ['review'], summary: 'Claims held for review, with their reasons', querystring: pageQuery, response: errorResponses } },
    async (req) => {
      const p = await d.store.reviews.pendingClaims({ limit: Number(req.query.limit ?? 100), after: req.query.after });
      return { items: p.items.map((c) => claimView(c, req.apiKey!.role)), next: p.next };
    },
  );

  app.get<{ Querystring: { limit?: string; after?: string } }>(
    '/v1/review/orders',
    { config: { roles: ['analyst', 'operator', 'auditor'] }, schema: { tags: ['review'], summary: 'Orders held before fulfilment, with their reasons', querystring: pageQuery, response: errorResponses } },
    async (req) => {
      const p = await d.store.reviews.pendingOrders({ limit: Number(req.query.limit ?? 100), after: req.query.after });
      return { items: p.items.map((o) => orderView(o, req.apiKey!.role)), next: p.next };
    },
  );

  app.post<{ Params: { claimId: ClaimId }; Body: { verdict: ReviewVerdict; note: string } }>(
    '/v1/review/claims/:claimId',
    { config: { roles: ['analyst', 'operator'] }, schema: { tags: ['review'], summary: 'Approve (unlock the coupon) or reject (revoke it) a held claim (audited)', params: params('claimId', 'claim'), body: reviewBody, response: errorResponses } },
    async (req, reply) => {
      const r = await reviewClaim(d, req.params.claimId, req.body.verdict, actorOf(req), req.body.note);
      return r.ok ? { claimId: r.value.id, verdict: req.body.verdict, couponId: r.value.couponId } : sendAppError(reply, r.error);
    },
  );

  app.post<{ Params: { orderId: OrderId }; Body: { verdict: ReviewVerdict; note: string } }>(
    '/v1/review/orders/:orderId',
    { config: { roles: ['analyst', 'operator'] }, schema: { tags: ['review'], summary: 'Approve (release for fulfilment) or reject (cancel) a held order (audited)', params: params('orderId', 'order'), body: reviewBody, response: errorResponses } },
    async (req, reply) => {
      const r = await reviewOrder(d, req.params.orderId, req.body.verdict, actorOf(req), req.body.note);
      return r.ok ? orderView(r.value, req.apiKey!.role) : sendAppError(reply, r.error);
    },
  );
}
