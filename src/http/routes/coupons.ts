import type { FastifyInstance } from 'fastify';
import type { CouponStatus } from '../../core/campaigns/campaign.js';
import type { CoreDeps } from '../../core/deps.js';
import { ACCOUNT_ID_PATTERN, type AccountId, type CouponId } from '../../core/shared/ids.js';
import { actorOf, READERS } from '../auth.js';
import { sendError } from '../errors.js';
import { couponListQuery, errorResponses, noteBody, params } from '../schemas.js';
import { couponView } from '../views.js';

export function couponRoutes(app: FastifyInstance, d: CoreDeps): void {
  app.get<{ Params: { accountId: AccountId }; Querystring: { status?: CouponStatus; limit?: string; after?: string } }>(
    '/v1/accounts/:accountId/coupons',
    {
      config: { roles: ['client', ...READERS] },
      schema: {
        tags: ['coupons'],
        summary: "An account's coupons",
        params: { type: 'object', additionalProperties: false, required: ['accountId'], properties: { accountId: { type: 'string', pattern: ACCOUNT_ID_PATTERN } } },
        querystring: couponListQuery,
        response: errorResponses,
      },
    },
    async (req) => {
      const now = d.clock.now();
      const p = await d.store.coupons.listByAccount(req.params.accountId, { status: req.query.status, limit: Number(req.query.limit ?? 100), after: req.query.after });
      return { items: p.items.map((c) => couponView(c, now)), next: p.next };
    },
  );

  app.get<{ Params: { couponId: CouponId } }>(
    '/v1/coupons/:couponId',
    { config: { roles: ['client', ...READERS] }, schema: { tags: ['coupons'], summary: 'A coupon', params: params('couponId', 'coupon'), response: errorResponses } },
    async (req, reply) => {
      const c = await d.store.coupons.get(req.params.couponId);
      return c ? couponView(c, d.clock.now()) : sendError(reply, 'NOT_FOUND', `coupon ${req.params.couponId} not found`);
    },
  );

  app.post<{ Params: { couponId: CouponId }; Body: { note?: string } | undefined }>(
    '/v1/coupons/:couponId/revoke',
    {
      config: { roles: ['operator'] },
      schema: { tags: ['coupons'], summary: 'Revoke one unused coupon (audited)', params: params('couponId', 'coupon'), body: noteBody, response: errorResponses },
    },
    async (req, reply) => {
      const id = req.params.couponId;
      const r = await d.store.coupons.revoke(id, d.clock.now(), { actor: actorOf(req), action: 'coupon.revoke', target: id, details: req.body?.note ? { note: req.body.note } : {} });
      if (!r.coupon) return sendError(reply, 'NOT_FOUND', `coupon ${id} not found`);
      if (!r.changed && r.coupon.status !== 'revoked') return sendError(reply, 'INVALID_STATE', `cannot revoke a coupon that is ${r.coupon.status}`);
      return couponView(r.coupon, d.clock.now());
    },
  );
}
