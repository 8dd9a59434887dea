import type { FastifyInstance } from 'fastify';
import type { CoreDeps } from '../../core/deps.js';
import type { JobService } from '../../core/jobs/service.js';
import type { MakegoodId, RecipientState } from '../../core/makegood/makegood.js';
import { createMakegood, makegoodSummary, startMakegood } from '../../core/makegood/use-cases.js';
import type { CampaignId } from '../../core/shared/ids.js';
import { actorOf, READERS } from '../auth.js';
import { sendAppError, sendError } from '../errors.js';
import { makegoodCreateBody, makegoodParams, noteOnlyBody, pageQuery, recipientsQuery } from '../incident-schemas.js';
import { jobView, makegoodSummaryView, makegoodView, recipientView } from '../incident-views.js';
import { errorResponses } from '../schemas.js';
import { ms } from '../views.js';
import { bodyLimit, LIST_BODY_LIMIT } from '../limits.js';

const LIST_LIMIT = bodyLimit(LIST_BODY_LIMIT);

interface MakegoodBody {
  name: string;
  campaignId: CampaignId;
  budgetFen: number;
  accounts?: string[];
  activeFrom?: string;
  activeTo?: string;
  excludeIncidents?: string[];
  includeSweptIn?: boolean;
  note?: string;
}

/** Make-goods: coupons once per affected account, within a budget, issued by a job. */
export function makegoodRoutes(app: FastifyInstance, d: CoreDeps, jobs: JobService): void {
  app.post<{ Body: MakegoodBody }>(
    '/v1/makegoods',
    {
      ...LIST_LIMIT.options,
      config: { roles: ['operator'] },
      schema: {
        ...LIST_LIMIT.schema,
        tags: ['makegoods'],
        summary: 'Create a make-good (audited); run it with POST /v1/makegoods/{makegoodId}/run',
        description: 'Coupons of `campaignId` (an open campaign, not channel-locked), once per account of the population: `accounts`, or every account active in [activeFrom, activeTo), leaving out those involved in `excludeIncidents`. Stops when `budgetFen` cannot pay the next coupon.',
        body: makegoodCreateBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (!!b.accounts === !!(b.activeFrom || b.activeTo)) return sendError(reply, 'VALIDATION_FAILED', 'give accounts, or activeFrom and activeTo');
      if (!b.accounts && !(b.activeFrom && b.activeTo)) return sendError(reply, 'VALIDATION_FAILED', 'give both activeFrom and activeTo');
      const r = await createMakegood(
        d,
        {
          name: b.name,
          campaignId: b.campaignId,
          budgetFen: b.budgetFen,
          population: b.accounts ? { kind: 'accounts', accounts: b.accounts } : { kind: 'active', from: ms(b.activeFrom!), to: ms(b.activeTo!) },
          ...(b.excludeIncidents ? { excludeIncidents: b.excludeIncidents } : {}),
          ...(b.includeSweptIn !== undefined ? { includeSweptIn: b.includeSweptIn } : {}),
          ...(b.note ? { note: b.note } : {}),
        },
        actorOf(req),
      );
      return r.ok ? reply.code(201).send(makegoodView(r.value)) : sendAppError(reply, r.error);
    },
  );

  app.get<{ Querystring: { after?: string; limit?: string } }>(
    '/v1/makegoods',
    { config: { roles: READERS }, schema: { tags: ['makegoods'], summary: 'Make-goods, oldest first', querystring: pageQuery, response: errorResponses } },
    async (req) => {
      const page = await d.store.makegoods.list({ limit: Number(req.query.limit ?? 100), ...(req.query.after ? { after: req.query.after } : {}) });
      return { items: page.items.map(makegoodView), next: page.next };
    },
  );

  app.get<{ Params: { makegoodId: MakegoodId } }>(
    '/v1/makegoods/:makegoodId',
    { config: { roles: READERS }, schema: { tags: ['makegoods'], summary: 'A make-good: issued so far, budget left, recipients by state', params: makegoodParams, response: errorResponses } },
    async (req, reply) => {
      const r = await makegoodSummary(d, req.params.makegoodId);
      return r.ok ? makegoodSummaryView(r.value) : sendAppError(reply, r.error);
    },
  );

  app.get<{ Params: { makegoodId: MakegoodId }; Querystring: { state?: RecipientState; afterSeq?: string; limit?: string } }>(
    '/v1/makegoods/:makegoodId/recipients',
    { config: { roles: READERS }, schema: { tags: ['makegoods'], summary: 'Who gets (or got, or will not get) one', params: makegoodParams, querystring: recipientsQuery, response: errorResponses } },
    async (req, reply) => {
      if (!(await d.store.makegoods.get(req.params.makegoodId))) return sendError(reply, 'NOT_FOUND', `make-good ${req.params.makegoodId} not found`);
      const { state, afterSeq, limit } = req.query;
      const page = await d.store.makegoods.recipients(req.params.makegoodId, { limit: Number(limit ?? 100), afterSeq: Number(afterSeq ?? 0), ...(state ? { state } : {}) });
      return { items: page.items.map(recipientView), next: page.next };
    },
  );

  app.post<{ Params: { makegoodId: MakegoodId } }>(
    '/v1/makegoods/:makegoodId/run',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['makegoods'],
        summary: 'Issue the make-good as a job (202; audited)',
        description: 'Safe to repeat: every account gets at most one, and the budget caps the total. Asking while it runs returns the running job.',
        params: makegoodParams,
        body: noteOnlyBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const r = await startMakegood(d, req.params.makegoodId, actorOf(req));
      if (!r.ok) return sendAppError(reply, r.error);
      jobs.spawn(r.value.job.id);
      return reply.code(202).send({ resumed: r.value.resumed, job: jobView(r.value.job) });
    },
  );
}
