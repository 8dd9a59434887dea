import type { FastifyInstance } from 'fastify';
import { claimCoupon, type ClaimRequest } from '../../core/claims/claim-coupon.js';
import type { CoreDeps } from '../../core/deps.js';
import type { ClaimId } from '../../core/shared/ids.js';
import { actorOf, READERS } from '../auth.js';
import { sendAppError, sendError } from '../errors.js';
import { claimBody, claimResponse, errorResponses, idempotencyHeaders, params } from '../schemas.js';
import { claimView, iso, ms } from '../views.js';

type ClaimBody = Omit<ClaimRequest, 'account'> & { account: Omit<ClaimRequest['account'], 'createdAt'> & { createdAt?: string } };

export function claimRoutes(app: FastifyInstance, d: CoreDeps): void {
  app.post<{ Body: ClaimBody; Headers: { 'idempotency-key': string } }>(
    '/v1/claims',
    {
      config: { roles: ['client'] },
      schema: {
        tags: ['claims'],
        summary: 'Claim a coupon',
        description:
          'Verifies the claim code and channel, evaluates the risk policy, then atomically checks and consumes the code use, the identity/account/phone limits and the budget. Always answers 200 with a decision unless the request itself is wrong. Retrying with the same Idempotency-Key returns the first answer and grants nothing new.',
        headers: idempotencyHeaders,
        body: claimBody,
        response: { 200: claimResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { createdAt, ...account } = req.body.account;
      const body: ClaimRequest = { ...req.body, account: createdAt === undefined ? account : { ...account, createdAt: ms(createdAt) } };
      const r = await claimCoupon(d, body, { scope: actorOf(req), idempotencyKey: req.headers['idempotency-key'] });
      if (!r.ok) return sendAppError(reply, r.error);
      reply.header('x-decision', r.value.decision);
      const { challenge, ...rest } = r.value;
      return challenge ? { ...rest, challenge: { ...challenge, expiresAt: iso(challenge.expiresAt) } } : rest;
    },
  );

  app.get<{ Params: { claimId: ClaimId } }>(
    '/v1/claims/:claimId',
    { config: { roles: READERS }, schema: { tags: ['claims'], summary: 'A recorded claim with its decision, reasons, rules and signals', params: params('claimId', 'claim'), response: errorResponses } },
    async (req, reply) => {
      const c = await d.store.claims.get(req.params.claimId);
      return c ? claimView(c, req.apiKey!.role) : sendError(reply, 'NOT_FOUND', `claim ${req.params.claimId} not found`);
    },
  );
}
