import type { FastifyInstance } from 'fastify';
import type { CoreDeps } from '../../core/deps.js';
import type { OrderAction } from '../../core/orders/order.js';
import { actOnOrder, placeOrder, type PlaceOrderRequest } from '../../core/orders/use-cases.js';
import type { OrderId } from '../../core/shared/ids.js';
import type { Role } from '../../ports/store.js';
import { actorOf, READERS } from '../auth.js';
import { sendAppError, sendError } from '../errors.js';
import { errorResponses, idempotencyHeaders, noteBody, orderBody, orderResponse, params } from '../schemas.js';
import { orderView } from '../views.js';

/** Who may do what to an order: the shop fulfils and cancels; operators release and freeze. */
const ACTION_ROLES: Record<OrderAction, readonly Role[]> = {
  fulfil: ['client'],
  cancel: ['client', 'operator'],
  release: ['operator'],
  freeze: ['operator'],
};

export function orderRoutes(app: FastifyInstance, d: CoreDeps): void {
  app.post<{ Body: PlaceOrderRequest; Headers: { 'idempotency-key': string } }>(
    '/v1/orders',
    {
      config: { roles: ['client'] },
      schema: {
        tags: ['orders'],
        summary: 'Place an order and redeem coupons on it',
        description:
          'Prices the coupons (ownership, availability, thresholds, caps), evaluates the risk policy (allow → placed, hold → held before fulfilment, deny → rejected, coupons untouched) and redeems the coupons atomically. 201 when the order was recorded, whatever its status.',
        headers: idempotencyHeaders,
        body: orderBody,
        response: { 201: orderResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      const r = await placeOrder(d, { ...req.body, couponIds: req.body.couponIds ?? [] }, { scope: actorOf(req), idempotencyKey: req.headers['idempotency-key'] });
      return r.ok ? reply.code(201).send(r.value) : sendAppError(reply, r.error);
    },
  );

  app.get<{ Params: { orderId: OrderId } }>(
    '/v1/orders/:orderId',
    { config: { roles: ['client', ...READERS] }, schema: { tags: ['orders'], summary: 'An order', params: params('orderId', 'order'), response: errorResponses } },
    async (req, reply) => {
      const o = await d.store.orders.get(req.params.orderId);
      return o ? orderView(o, req.apiKey!.role) : sendError(reply, 'NOT_FOUND', `order ${req.params.orderId} not found`);
    },
  );

  for (const action of ['fulfil', 'cancel', 'release', 'freeze'] as const) {
    app.post<{ Params: { orderId: OrderId }; Body: { note?: string } | undefined }>(
      `/v1/orders/:orderId/${action}`,
      {
        config: { roles: ACTION_ROLES[action] },
        schema: { tags: ['orders'], summary: `${action} an order`, params: params('orderId', 'order'), body: noteBody, response: errorResponses },
      },
      async (req, reply) => {
        const audited = req.apiKey!.role !== 'client';
        const r = await actOnOrder(d, req.params.orderId, action, actorOf(req), audited, req.body?.note);
        return r.ok ? orderView(r.value, req.apiKey!.role) : sendAppError(reply, r.error);
      },
    );
  }
}
