import type { FastifyInstance } from 'fastify';
import { processJobService } from '../../app/job-handlers.js';
import { incidentDeps } from '../../app/job-handlers.js';
import { memorySink } from '../../adapters/node/evidence-bundle.js';
import type { CoreDeps } from '../../core/deps.js';
import { exportEvidence } from '../../core/incidents/evidence.js';
import type { AccountClass, Disposition, IncidentAction, IncidentId, ScopeKind } from '../../core/incidents/incident.js';
import { parseAccountList, parseValueList } from '../../core/incidents/list-file.js';
import { maskAggregates, maskTrace } from '../../core/incidents/mask.js';
import { campaignLoss, incidentLoss } from '../../core/incidents/report.js';
import { incidentAggregates, trace, traceSubject, type TraceKind } from '../../core/incidents/trace.js';
import {
  actOnIncidentOrder,
  addScope,
  blockRingMembers,
  classifyAccounts,
  closeIncident,
  importRingClasses,
  incidentSummary,
  openIncident,
  setLeniency,
  startIncidentJob,
  type AccountClassInput,
  type RawSelector,
} from '../../core/incidents/use-cases.js';
import type { Leniency } from '../../core/incidents/incident.js';
import { ACCOUNT_ID_PATTERN, type CampaignId, type OrderId } from '../../core/shared/ids.js';
import type { JobService } from '../../core/jobs/service.js';
import { actorOf, READERS } from '../auth.js';
import { sendAppError, sendError } from '../errors.js';
import {
  accountsBody,
  accountsUploadBody,
  actionBody,
  exportQuery,
  incidentCreateBody,
  incidentParams,
  leniencyBody,
  membersQuery,
  noteOnlyBody,
  pageQuery,
  scopeBody,
  limitQuery,
  scopeUploadBody,
  TARGET_PARAM,
} from '../incident-schemas.js';
import { incidentView, jobView, memberView, seesPii, summaryView, timelineView } from '../incident-views.js';
import { lossPage } from '../loss-page.js';
import { errorResponses, id, params } from '../schemas.js';
import { ms } from '../views.js';
import { jobRoutes } from './jobs.js';
import { makegoodRoutes } from './makegoods.js';
import { bodyLimit, LIST_BODY_LIMIT } from '../limits.js';

const LIST_LIMIT = bodyLimit(LIST_BODY_LIMIT);

type IncidentParams = { Params: { incidentId: IncidentId } };
const TRACERS = ['analyst', 'auditor'] as const;
/** Evidence over HTTP is answered in one response; larger incidents export with the CLI. */
const MAX_HTTP_EXPORT_ORDERS = 20_000;

/**
 * Incident response over HTTP: operators act (open, scope, classify, freeze, release, cancel,
 * close), analysts trace, auditors read and export. Registers the job and make-good routes too,
 * with one job service for this server: jobs started here run here, in the background, and jobs
 * whose runner died are picked up when the server starts.
 */
export function incidentResponseRoutes(app: FastifyInstance, d: CoreDeps): void {
  const jobs = processJobService(d, (o) => {
    if (o.kind === 'failed') app.log.error({ job: o.job.id, error: o.error }, 'job failed');
  });
  app.addHook('onReady', async () => {
    const resumed = await jobs.resumeAbandoned();
    if (resumed.length) app.log.info({ jobs: resumed }, 'resumed unfinished jobs');
  });
  app.addHook('onClose', async () => jobs.stop());
  jobRoutes(app, d, jobs);
  incidentRoutes(app, d, jobs);
  makegoodRoutes(app, d, jobs);
}

function incidentRoutes(app: FastifyInstance, d: CoreDeps, jobs: JobService): void {
  const di = incidentDeps(d);

  app.post<{ Body: { title: string; note?: string; window?: { from: string; to: string }; scope: RawSelector[]; leniency?: Partial<Leniency>; accounts?: AccountClassInput[] } }>(
    '/v1/incidents',
    {
      ...LIST_LIMIT.options,
      config: { roles: ['operator'] },
      schema: {
        ...LIST_LIMIT.schema,
        tags: ['incidents'],
        summary: 'Open an incident with its scope (audited)',
        description: 'The scope names campaigns, coupon types, codes, code batches, accounts, orders, top-up targets, rules that fired, or rings; an order is in scope when it matches any of them and the time window. Longer lists: POST /v1/incidents/{incidentId}/scope.csv.',
        body: incidentCreateBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const { window, ...rest } = req.body;
      const r = await openIncident(di, { ...rest, window: window ? { from: ms(window.from), to: ms(window.to) } : null }, actorOf(req));
      return r.ok ? reply.code(201).send(incidentView(r.value)) : sendAppError(reply, r.error);
    },
  );

  app.get<{ Querystring: { after?: string; limit?: string } }>(
    '/v1/incidents',
    { config: { roles: READERS }, schema: { tags: ['incidents'], summary: 'Incidents, oldest first', querystring: pageQuery, response: errorResponses } },
    async (req) => {
      const page = await d.store.incidents.list({ limit: Number(req.query.limit ?? 100), ...(req.query.after ? { after: req.query.after } : {}) });
      return { items: page.items.map(incidentView), next: page.next };
    },
  );

  app.get<IncidentParams>(
    '/v1/incidents/:incidentId',
    { config: { roles: READERS }, schema: { tags: ['incidents'], summary: 'An incident: scope, its orders by disposition, its running job', params: incidentParams, response: errorResponses } },
    async (req, reply) => {
      const r = await incidentSummary(d, req.params.incidentId);
      return r.ok ? summaryView(r.value) : sendAppError(reply, r.error);
    },
  );

  app.get<IncidentParams>(
    '/v1/incidents/:incidentId/timeline',
    { config: { roles: READERS }, schema: { tags: ['incidents'], summary: 'Everything done in the incident, by whom and when (its audit entries)', params: incidentParams, response: errorResponses } },
    async (req, reply) => {
      if (!(await d.store.incidents.get(req.params.incidentId))) return sendError(reply, 'NOT_FOUND', `incident ${req.params.incidentId} not found`);
      return { items: (await d.store.incidents.timeline(req.params.incidentId)).map(timelineView) };
    },
  );

  app.post<IncidentParams & { Body: { scope: RawSelector[] } }>(
    '/v1/incidents/:incidentId/scope',
    { ...LIST_LIMIT.options, config: { roles: ['operator'] }, schema: { ...LIST_LIMIT.schema, tags: ['incidents'], summary: 'Add to the scope (audited)', params: incidentParams, body: scopeBody, response: errorResponses } },
    async (req, reply) => {
      const r = await addScope(di, req.params.incidentId, req.body.scope, actorOf(req));
      return r.ok ? r.value : sendAppError(reply, r.error);
    },
  );

  app.post<IncidentParams & { Body: { kind: ScopeKind; csv: string } }>(
    '/v1/incidents/:incidentId/scope/upload',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['incidents'],
        summary: 'Add a list uploaded as CSV to the scope (audited)',
        description: 'One value per line (first column), e.g. the order ids of a police list; a header line is skipped. Every value is checked first: one bad value refuses the whole file. A request carries up to 64 KiB: send a long list in parts (each adds to the scope), or use `couponguard incident scope add --file`.',
        params: incidentParams,
        body: scopeUploadBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const values = parseValueList(req.body.csv);
      if (!values.length) return sendError(reply, 'VALIDATION_FAILED', 'the file lists no values');
      const r = await addScope(di, req.params.incidentId, values.map((value) => ({ kind: req.body.kind, value })), actorOf(req));
      return r.ok ? r.value : sendAppError(reply, r.error);
    },
  );

  app.post<IncidentParams & { Body: { accounts: AccountClassInput[] } }>(
    '/v1/incidents/:incidentId/accounts',
    {
      ...LIST_LIMIT.options,
      config: { roles: ['operator'] },
      schema: { ...LIST_LIMIT.schema, tags: ['incidents'], summary: "Classify accounts: ring members or swept-in consumers (the operator's list, audited)", params: incidentParams, body: accountsBody, response: errorResponses },
    },
    async (req, reply) => {
      const r = await classifyAccounts(d, req.params.incidentId, req.body.accounts, actorOf(req));
      return r.ok ? r.value : sendAppError(reply, r.error);
    },
  );

  app.post<IncidentParams & { Body: { csv: string; class?: AccountClass } }>(
    '/v1/incidents/:incidentId/accounts/upload',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['incidents'],
        summary: 'Classify accounts from a list uploaded as CSV (audited)',
        description: '`account_id[,class[,ring]]` per line; `class` gives the class of lines without one.',
        params: incidentParams,
        body: accountsUploadBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const parsed = parseAccountList(req.body.csv, req.body.class);
      if (!parsed.ok) return sendError(reply, 'VALIDATION_FAILED', parsed.message);
      if (!parsed.accounts.length) return sendError(reply, 'VALIDATION_FAILED', 'the file lists no accounts');
      const r = await classifyAccounts(d, req.params.incidentId, parsed.accounts, actorOf(req));
      return r.ok ? r.value : sendAppError(reply, r.error);
    },
  );

  app.post<IncidentParams>(
    '/v1/incidents/:incidentId/accounts/from-rings',
    {
      config: { roles: ['operator'] },
      schema: { tags: ['incidents'], summary: 'Classify the accounts in scope with ring detection (an operator\'s entries stand; audited)', params: incidentParams, body: noteOnlyBody, response: errorResponses },
    },
    async (req, reply) => {
      const r = await importRingClasses(di, req.params.incidentId, actorOf(req));
      return r.ok ? r.value : sendAppError(reply, r.error);
    },
  );

  app.post<IncidentParams & { Body: Partial<Leniency> }>(
    '/v1/incidents/:incidentId/leniency',
    { config: { roles: ['operator'] }, schema: { tags: ['incidents'], summary: 'Set the leniency policy for swept-in consumers (audited)', params: incidentParams, body: leniencyBody, response: errorResponses } },
    async (req, reply) => {
      const r = await setLeniency(d, req.params.incidentId, req.body, actorOf(req));
      return r.ok ? incidentView(r.value) : sendAppError(reply, r.error);
    },
  );

  for (const action of ['freeze', 'release', 'cancel'] as const satisfies readonly IncidentAction[]) {
    app.post<IncidentParams & { Body: { orderId?: OrderId; class?: AccountClass | 'unclassified'; note?: string } }>(
      `/v1/incidents/:incidentId/${action}`,
      {
        config: { roles: ['operator'] },
        schema: {
          tags: ['incidents'],
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} the incident's orders, or one of them (audited)`,
          description:
            action === 'freeze'
              ? 'Without orderId: a job (202) resolves the scope and freezes every open in-scope order, flags fulfilled ones, and spares swept-in consumers if the leniency policy says so; asking again while it runs returns the same job. With orderId: that order (added to the scope), at once (200).'
              : `Without orderId: a job (202) ${action}s every order this incident froze${action === 'cancel' ? ' (coupons come back or are voided per campaign setting)' : ', back to the status it had'}, optionally only of one account class. With orderId: that order, at once (200).`,
          params: incidentParams,
          body: actionBody,
          response: errorResponses,
        },
      },
      async (req, reply) => {
        const { orderId, note } = req.body;
        if (orderId) {
          if (req.body.class) return sendError(reply, 'VALIDATION_FAILED', 'give orderId or class, not both');
          const r = await actOnIncidentOrder(d, req.params.incidentId, orderId, action, actorOf(req), note);
          return r.ok ? memberView(r.value) : sendAppError(reply, r.error);
        }
        const r = await startIncidentJob(d, req.params.incidentId, action, req.body.class ? { class: req.body.class } : {}, actorOf(req));
        if (!r.ok) return sendAppError(reply, r.error);
        jobs.spawn(r.value.job.id);
        return reply.code(202).send({ resumed: r.value.resumed, job: jobView(r.value.job) });
      },
    );
  }

  app.post<IncidentParams>(
    '/v1/incidents/:incidentId/block',
    {
      config: { roles: ['operator'] },
      schema: { tags: ['incidents'], summary: 'Put the ring members on the risk block list (never swept-in consumers; audited)', params: incidentParams, body: noteOnlyBody, response: errorResponses },
    },
    async (req, reply) => {
      const r = await blockRingMembers(d, req.params.incidentId, actorOf(req));
      return r.ok ? r.value : sendAppError(reply, r.error);
    },
  );

  app.post<IncidentParams & { Body: { note?: string } }>(
    '/v1/incidents/:incidentId/close',
    { config: { roles: ['operator'] }, schema: { tags: ['incidents'], summary: 'Close the incident (audited); it stays readable and exportable', params: incidentParams, body: noteOnlyBody, response: errorResponses } },
    async (req, reply) => {
      const r = await closeIncident(d, req.params.incidentId, actorOf(req), req.body.note);
      return r.ok ? incidentView(r.value) : sendAppError(reply, r.error);
    },
  );

  app.get<IncidentParams & { Querystring: { disposition?: Disposition; afterSeq?: string; limit?: string } }>(
    '/v1/incidents/:incidentId/orders',
    { config: { roles: READERS }, schema: { tags: ['incidents'], summary: "The incident's orders and what it did to each", params: incidentParams, querystring: membersQuery, response: errorResponses } },
    async (req, reply) => {
      if (!(await d.store.incidents.get(req.params.incidentId))) return sendError(reply, 'NOT_FOUND', `incident ${req.params.incidentId} not found`);
      const { disposition, afterSeq, limit } = req.query;
      const page = await d.store.incidents.members(req.params.incidentId, { limit: Number(limit ?? 100), afterSeq: Number(afterSeq ?? 0), ...(disposition ? { disposition } : {}) });
      return { items: page.items.map(memberView), next: page.next };
    },
  );

  app.get<IncidentParams>(
    '/v1/incidents/:incidentId/loss',
    {
      config: { roles: READERS },
      schema: {
        tags: ['incidents'],
        summary: 'Live loss accounting for the incident',
        description: 'Face value granted, redeemed (fulfilled = lost, frozen = recoverable, cancelled = recovered, placed and not frozen = at risk) and unused (valid, expired, revoked), per campaign too; the real loss is the discount given on fulfilled orders. `checks` confirms granted = redeemed + unused and redeemed = the sum of its parts.',
        params: incidentParams,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const r = await incidentLoss(d, req.params.incidentId);
      return r.ok ? r.value : sendAppError(reply, r.error);
    },
  );

  app.get<IncidentParams>(
    '/v1/incidents/:incidentId/loss.html',
    { config: { roles: READERS }, schema: { tags: ['incidents'], summary: 'The loss report as an HTML page with a chart', params: incidentParams, produces: ['text/html'], response: errorResponses } },
    async (req, reply) => {
      const r = await incidentLoss(d, req.params.incidentId);
      return r.ok ? reply.type('text/html; charset=utf-8').send(lossPage(r.value)) : sendAppError(reply, r.error);
    },
  );

  for (const html of [false, true]) {
    app.get<{ Params: { campaignId: CampaignId } }>(
      `/v1/campaigns/:campaignId/loss${html ? '.html' : ''}`,
      {
        config: { roles: READERS },
        schema: { tags: ['incidents'], summary: `Live loss accounting for every coupon of a campaign${html ? ' (HTML page with a chart)' : ''}`, params: params('campaignId', 'campaign'), response: errorResponses },
      },
      async (req, reply) => {
        const r = await campaignLoss(d, req.params.campaignId);
        if (!r.ok) return sendAppError(reply, r.error);
        return html ? reply.type('text/html; charset=utf-8').send(lossPage(r.value)) : r.value;
      },
    );
  }

  const TRACE_ROUTES: { kind: TraceKind; path: string; param: string; schema: object; what: string }[] = [
    { kind: 'coupon', path: '/v1/coupons/:couponId/trace', param: 'couponId', schema: id('coupon'), what: 'a coupon' },
    { kind: 'order', path: '/v1/orders/:orderId/trace', param: 'orderId', schema: id('order'), what: 'an order (through each coupon on it)' },
    { kind: 'account', path: '/v1/accounts/:accountId/trace', param: 'accountId', schema: { type: 'string', pattern: ACCOUNT_ID_PATTERN }, what: "an account's coupons and orders" },
    { kind: 'code', path: '/v1/codes/:codeId/trace', param: 'codeId', schema: id('code'), what: 'every coupon claimed with a code' },
    {
      kind: 'target',
      path: '/v1/topup-targets/:target/trace',
      param: 'target',
      schema: { type: 'string', pattern: TARGET_PARAM, description: 'phone:13800138000 (or the bare number), qq:12345, game_account:...' },
      what: 'every order topping up a target',
    },
  ];
  for (const t of TRACE_ROUTES) {
    app.get<{ Params: Record<string, string>; Querystring: { limit?: string } }>(
      t.path,
      {
        config: { roles: TRACERS },
        schema: {
          tags: ['traces'],
          summary: `Trace ${t.what} back to its sources`,
          description:
            'Each chain: code (batch, event) → claim (account, device, IP, phone, identity hash, decision, reasons, rules) → coupon → orders (items, top-up targets, decision, events up to fulfilment, incidents holding them). Personal data is masked unless the role may see it.',
          params: { type: 'object', additionalProperties: false, required: [t.param], properties: { [t.param]: t.schema } },
          querystring: limitQuery,
          response: errorResponses,
        },
      },
      async (req, reply) => {
        const raw = req.params[t.param]!;
        const subject = traceSubject(t.kind, raw);
        // A well-formed target that cannot be a real one has, like an unknown one, no orders.
        if (!subject.ok) return t.kind === 'target' ? sendError(reply, 'NOT_FOUND', `no order tops up ${raw}`) : sendAppError(reply, subject.error);
        const r = await trace(d, subject.value, Number(req.query.limit ?? 100));
        return r.ok ? maskTrace(r.value, seesPii(req.apiKey!.role)) : sendAppError(reply, r.error);
      },
    );
  }

  app.get<IncidentParams>(
    '/v1/incidents/:incidentId/aggregates',
    {
      config: { roles: TRACERS },
      schema: { tags: ['traces'], summary: "Where the incident's orders concentrate: per ring, top-up target, device and network", params: incidentParams, response: errorResponses },
    },
    async (req, reply) => {
      const r = await incidentAggregates(d, req.params.incidentId);
      return r.ok ? maskAggregates(r.value, seesPii(req.apiKey!.role)) : sendAppError(reply, r.error);
    },
  );

  app.post<IncidentParams & { Querystring: { clear?: 'true' | 'false' } }>(
    '/v1/incidents/:incidentId/exports',
    {
      config: { roles: TRACERS },
      schema: {
        tags: ['incidents'],
        summary: 'Export the evidence bundle (audited)',
        description: `A packed bundle: {format, files: {name: text}} with the scope, orders, decisions, traces, timeline and loss, a manifest of SHA-256 hashes and the audit log's hash-chain proof. Save it and check it with \`couponguard incident verify FILE\`. Personal data is masked unless the role may see it. Up to ${MAX_HTTP_EXPORT_ORDERS} orders; larger incidents: \`couponguard incident export\`.`,
        params: incidentParams,
        querystring: exportQuery,
        body: noteOnlyBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const id = req.params.incidentId;
      if (!(await d.store.incidents.get(id))) return sendError(reply, 'NOT_FOUND', `incident ${id} not found`);
      const n = Object.values(await d.store.incidents.dispositionCounts(id)).reduce((a, b) => a + (b ?? 0), 0);
      if (n > MAX_HTTP_EXPORT_ORDERS) return sendError(reply, 'CONFLICT', `${n} orders: too many for one HTTP answer; export with couponguard incident export`);
      const role = req.apiKey!.role;
      if (req.query.clear === 'true' && !seesPii(role)) return sendError(reply, 'FORBIDDEN', `role ${role} may not export personal data in clear`);
      const clear = seesPii(role) && req.query.clear !== 'false';
      const sink = memorySink();
      const r = await exportEvidence(d, id, sink, { clear, actor: actorOf(req), role });
      return r.ok ? reply.code(201).send(sink.packed()) : sendAppError(reply, r.error);
    },
  );
}
