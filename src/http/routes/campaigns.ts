import type { FastifyInstance } from 'fastify';
import { changeCampaignState, createCampaign, getCampaign } from '../../core/campaigns/use-cases.js';
import type { CampaignAction, CampaignInput } from '../../core/campaigns/campaign.js';
import type { CampaignState } from '../../core/campaigns/campaign.js';
import type { CoreDeps } from '../../core/deps.js';
import type { CampaignId } from '../../core/shared/ids.js';
import { actorOf, READERS } from '../auth.js';
import { sendAppError } from '../errors.js';
import { campaignCreateBody, campaignListQuery, campaignSchema, errorResponses, noteBody, params } from '../schemas.js';
import { campaignView, ms } from '../views.js';

type Surge = { startsAt: string; endsAt: string; grantsPerMinute: number };
type CreateBody = Omit<CampaignInput, 'startsAt' | 'endsAt' | 'monitor'> & {
  startsAt: string;
  endsAt: string;
  monitor?: Omit<NonNullable<CampaignInput['monitor']>, 'expectedSurges'> & { expectedSurges?: Surge[] };
};

export function campaignRoutes(app: FastifyInstance, d: CoreDeps): void {
  app.post<{ Body: CreateBody }>(
    '/v1/campaigns',
    {
      config: { roles: ['operator'] },
      schema: { tags: ['campaigns'], summary: 'Create a campaign and its coupon template', body: campaignCreateBody, response: { 201: campaignSchema, ...errorResponses } },
    },
    async (req, reply) => {
      const b = req.body;
      const { monitor: m, ...rest } = b;
      const surges = m?.expectedSurges?.map((x) => ({ ...x, startsAt: ms(x.startsAt), endsAt: ms(x.endsAt) }));
      const input: CampaignInput = {
        ...rest,
        startsAt: ms(b.startsAt),
        endsAt: ms(b.endsAt),
        ...(m ? { monitor: { ...m, expectedSurges: surges ?? [] } } : {}),
      };
      const r = await createCampaign(d, input, actorOf(req));
      if (!r.ok) return sendAppError(reply, r.error);
      return reply.code(201).send(campaignView(r.value, { grantedCount: 0, grantedFen: 0 }));
    },
  );

  app.get<{ Querystring: { state?: CampaignState; limit?: string; after?: string } }>(
    '/v1/campaigns',
    { config: { roles: READERS }, schema: { tags: ['campaigns'], summary: 'List campaigns', querystring: campaignListQuery, response: errorResponses } },
    async (req) => {
      const p = await d.store.campaigns.list({ state: req.query.state, limit: Number(req.query.limit ?? 100), after: req.query.after });
      return { items: p.items.map((c) => campaignView(c)), next: p.next };
    },
  );

  app.get<{ Params: { campaignId: CampaignId } }>(
    '/v1/campaigns/:campaignId',
    {
      config: { roles: READERS },
      schema: { tags: ['campaigns'], summary: 'A campaign with its budget usage', params: params('campaignId', 'campaign'), response: { 200: campaignSchema, ...errorResponses } },
    },
    async (req, reply) => {
      const r = await getCampaign(d, req.params.campaignId);
      if (!r.ok) return sendAppError(reply, r.error);
      return campaignView(r.value.campaign, r.value.usage);
    },
  );

  for (const action of ['activate', 'pause', 'resume', 'end'] as const satisfies readonly CampaignAction[]) {
    app.post<{ Params: { campaignId: CampaignId }; Body: { note?: string } | undefined }>(
      `/v1/campaigns/:campaignId/${action}`,
      {
        config: { roles: ['operator'] },
        schema: {
          tags: ['campaigns'],
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} a campaign (audited)`,
          params: params('campaignId', 'campaign'),
          body: noteBody,
          response: { 200: campaignSchema, ...errorResponses },
        },
      },
      async (req, reply) => {
        const r = await changeCampaignState(d, req.params.campaignId, action, actorOf(req), req.body?.note);
        if (!r.ok) return sendAppError(reply, r.error);
        return campaignView(r.value, await d.store.campaigns.usage(r.value.id));
      },
    );
  }
}
