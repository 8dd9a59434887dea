import type { FastifyInstance } from 'fastify';
import { recordAccountEvent, type AccountEventRequest } from '../../core/accounts/use-cases.js';
import { verifyAuditChain } from '../../core/audit/audit.js';
import type { CoreDeps } from '../../core/deps.js';
import { createApiKey } from '../../core/keys.js';
import type { Role } from '../../ports/store.js';
import { actorOf } from '../auth.js';
import { sendAppError } from '../errors.js';
import { accountEventBody, errorResponses, keyCreateBody } from '../schemas.js';
import { auditView, ms } from '../views.js';

export function adminRoutes(app: FastifyInstance, d: CoreDeps): void {
  app.post<{ Body: Omit<AccountEventRequest, 'at'> & { at?: string } }>(
    '/v1/events',
    {
      config: { roles: ['client'] },
      schema: { tags: ['accounts'], summary: 'Record an account event (registration, login, purchase, verification)', body: accountEventBody, response: errorResponses },
    },
    async (req, reply) => {
      const { at, ...rest } = req.body;
      const r = await recordAccountEvent(d, at === undefined ? rest : { ...rest, at: ms(at) });
      return r.ok ? reply.code(202).send(r.value) : sendAppError(reply, r.error);
    },
  );

  app.post<{ Body: { role: Role; name: string } }>(
    '/v1/keys',
    { config: { roles: ['admin'] }, schema: { tags: ['admin'], summary: 'Create an API key (shown once)', body: keyCreateBody, response: errorResponses } },
    async (req, reply) => reply.code(201).send(await createApiKey(d, req.body.role, req.body.name, actorOf(req))),
  );

  app.get<{ Querystring: { afterSeq?: string; limit?: string } }>(
    '/v1/audit',
    {
      config: { roles: ['auditor'] },
      schema: {
        tags: ['audit'],
        summary: 'The audit log, in order',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { afterSeq: { type: 'string', pattern: '^[0-9]{1,15}$' }, limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' } },
        },
        response: errorResponses,
      },
    },
    async (req) => ({ items: (await d.store.audit.list({ afterSeq: Number(req.query.afterSeq ?? 0), limit: Number(req.query.limit ?? 100) })).map(auditView) }),
  );

  app.get(
    '/v1/audit/verify',
    { config: { roles: ['auditor'] }, schema: { tags: ['audit'], summary: "Verify the audit log's hash chain", response: errorResponses } },
    async () => {
      const entries = [];
      for await (const e of d.store.audit.all()) entries.push(e);
      return verifyAuditChain(d.sha256, entries);
    },
  );
}
