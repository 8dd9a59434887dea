import type { FastifyInstance } from 'fastify';
import QRCode from 'qrcode';
import { codeText, issueCodeBatch, revokeCodeBatch } from '../../core/codes/use-cases.js';
import type { CoreDeps } from '../../core/deps.js';
import type { BatchId, CampaignId, CodeId } from '../../core/shared/ids.js';
import { actorOf, READERS } from '../auth.js';
import { sendAppError, sendError } from '../errors.js';
import { batchCreateBody, errorResponses, noteBody, pageQuery, params } from '../schemas.js';
import { batchView, iso, ms } from '../views.js';

export function codeRoutes(app: FastifyInstance, d: CoreDeps): void {
  app.post<{ Params: { campaignId: CampaignId }; Body: { event: string; count: number; useLimit: number; expiresAt: string } }>(
    '/v1/campaigns/:campaignId/code-batches',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['codes'],
        summary: 'Issue a batch of signed claim codes for one offline event (audited)',
        params: params('campaignId', 'campaign'),
        body: batchCreateBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await issueCodeBatch(d, { campaignId: req.params.campaignId, event: b.event, count: b.count, useLimit: b.useLimit, expiresAt: ms(b.expiresAt) }, actorOf(req));
      if (!r.ok) return sendAppError(reply, r.error);
      const first = await d.store.codes.listCodes(r.value.id, { limit: 10_000 });
      return reply.code(201).send({ batch: batchView(r.value), codes: first.items.map((c) => ({ codeId: c.id, text: codeText(d, c) })) });
    },
  );

  app.get<{ Params: { campaignId: CampaignId } }>(
    '/v1/campaigns/:campaignId/code-batches',
    { config: { roles: READERS }, schema: { tags: ['codes'], summary: 'Code batches of a campaign', params: params('campaignId', 'campaign'), response: errorResponses } },
    async (req) => ({ items: (await d.store.codes.listBatches(req.params.campaignId)).map(batchView) }),
  );

  app.get<{ Params: { batchId: BatchId } }>(
    '/v1/code-batches/:batchId',
    { config: { roles: READERS }, schema: { tags: ['codes'], summary: 'A code batch', params: params('batchId', 'batch'), response: errorResponses } },
    async (req, reply) => {
      const b = await d.store.codes.getBatch(req.params.batchId);
      return b ? batchView(b) : sendError(reply, 'NOT_FOUND', `batch ${req.params.batchId} not found`);
    },
  );

  app.get<{ Params: { batchId: BatchId }; Querystring: { limit?: string; after?: string } }>(
    '/v1/code-batches/:batchId/codes',
    {
      config: { roles: ['operator', 'auditor'] },
      schema: { tags: ['codes'], summary: 'The codes of a batch, with their text and use counts', params: params('batchId', 'batch'), querystring: pageQuery, response: errorResponses },
    },
    async (req, reply) => {
      if (!(await d.store.codes.getBatch(req.params.batchId))) return sendError(reply, 'NOT_FOUND', `batch ${req.params.batchId} not found`);
      const p = await d.store.codes.listCodes(req.params.batchId, { limit: Number(req.query.limit ?? 100), after: req.query.after });
      return {
        items: p.items.map((c) => ({ codeId: c.id, text: codeText(d, c), uses: c.uses, useLimit: c.useLimit, expiresAt: iso(c.expiresAt) })),
        next: p.next,
      };
    },
  );

  app.post<{ Params: { batchId: BatchId }; Body: { note?: string } | undefined }>(
    '/v1/code-batches/:batchId/revoke',
    {
      config: { roles: ['operator'] },
      schema: { tags: ['codes'], summary: 'Revoke every code of a batch at once (audited)', params: params('batchId', 'batch'), body: noteBody, response: errorResponses },
    },
    async (req, reply) => {
      const r = await revokeCodeBatch(d, req.params.batchId, actorOf(req), req.body?.note);
      return r.ok ? batchView(r.value) : sendAppError(reply, r.error);
    },
  );

  for (const format of ['png', 'svg'] as const) {
    app.get<{ Params: { codeId: CodeId } }>(
      `/v1/codes/:codeId/qr.${format}`,
      {
        config: { roles: ['operator'] },
        schema: { tags: ['codes'], summary: `The QR image of a code (${format.toUpperCase()})`, params: params('codeId', 'code'), response: errorResponses },
      },
      async (req, reply) => {
        const c = await d.store.codes.getCode(req.params.codeId);
        if (!c) return sendError(reply, 'NOT_FOUND', `code ${req.params.codeId} not found`);
        const text = codeText(d, c);
        if (format === 'png') return reply.type('image/png').send(await QRCode.toBuffer(text, { errorCorrectionLevel: 'M', margin: 2, width: 320 }));
        return reply.type('image/svg+xml').send(await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
      },
    );
  }
}
