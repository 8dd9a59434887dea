import type { FastifyInstance } from 'fastify';
import { processJobService } from '../../app/job-handlers.js';
import { startRevoke, type RevokeScope } from '../../core/coupons/revoke.js';
import type { CoreDeps } from '../../core/deps.js';
import { ACCOUNT_ID_PATTERN } from '../../core/shared/ids.js';
import { actorOf } from '../auth.js';
import { sendAppError } from '../errors.js';
import { errorResponses, id } from '../schemas.js';
import { iso, ms } from '../views.js';
import { bodyLimit, REVOCATION_BODY_LIMIT } from '../limits.js';

const REVOCATION_LIMIT = bodyLimit(REVOCATION_BODY_LIMIT);

const body = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: {
    campaignId: id('campaign'),
    couponType: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
    batchId: id('batch'),
    accountIds: { type: 'array', minItems: 1, maxItems: 100_000, items: { type: 'string', pattern: ACCOUNT_ID_PATTERN } },
    grantedFrom: { type: 'string', format: 'date-time', maxLength: 40 },
    grantedTo: { type: 'string', format: 'date-time', maxLength: 40 },
    reason: { type: 'string', minLength: 1, maxLength: 300 },
  },
  example: { couponType: 'tv-guest-100', reason: 'forged QR codes: revoke every unused coupon of the type' },
} as const;

type Body = Omit<RevokeScope, 'grantedFrom' | 'grantedTo'> & { grantedFrom?: string; grantedTo?: string; reason: string };

/** Bulk revocation as a job: 202 with the job; progress at GET /v1/jobs/{id}. */
export function revocationRoutes(app: FastifyInstance, d: CoreDeps): void {
  const jobs = processJobService(d);
  app.post<{ Body: Body }>(
    '/v1/revocations',
    {
      ...REVOCATION_LIMIT.options,
      config: { roles: ['operator'] },
      schema: {
        ...REVOCATION_LIMIT.schema,
        tags: ['coupons'],
        summary: 'Revoke every unused coupon of a campaign, coupon type, code batch or list of accounts (resumable job, audited)',
        body,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const { grantedFrom, grantedTo, reason, ...rest } = req.body;
      const scope: RevokeScope = { ...rest, ...(grantedFrom ? { grantedFrom: ms(grantedFrom) } : {}), ...(grantedTo ? { grantedTo: ms(grantedTo) } : {}) };
      const r = await startRevoke(d, scope, reason, actorOf(req));
      if (!r.ok) return sendAppError(reply, r.error);
      jobs.spawn(r.value.id);
      return reply.code(202).send({ id: r.value.id, kind: r.value.kind, status: r.value.status, createdAt: iso(r.value.createdAt), progress: `/v1/jobs/${r.value.id}` });
    },
  );
}
