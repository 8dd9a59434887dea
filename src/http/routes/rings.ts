import type { FastifyInstance } from 'fastify';
import type { CoreDeps } from '../../core/deps.js';
import { maskHash, maskIp, maskPhone } from '../../core/identity/mask.js';
import { CONSUMER_CLASSES, type ConsumerClass } from '../../core/rings/classify.js';
import type { RingOptions } from '../../core/rings/find-rings.js';
import type { ThingKind } from '../../core/rings/kinds.js';
import { RING_ID_PATTERN, RING_RUN_ID_PATTERN, type Ring, type RingEvidence, type RingId, type RingRun, type RingRunId } from '../../core/rings/ring.js';
import { classifyCampaign, executeRingRun, exportRing, getRing, startRingRun, type RingRunDetect } from '../../core/rings/use-cases.js';
import { idPattern, type CampaignId } from '../../core/shared/ids.js';
import type { Role } from '../../ports/store.js';
import { actorOf, READERS } from '../auth.js';
import { sendAppError, sendError } from '../errors.js';
import { errorResponses } from '../schemas.js';
import { iso, ms } from '../views.js';

const DAY = 86_400_000;
/** Roles that see personal data (phones, identities, IPs, targets) in clear: as in views.ts. */
const clearFor = (role: Role) => role === 'admin' || role === 'auditor';

/** A shared thing as a role may see it: phone numbers, identity hashes, networks and addresses masked. */
export function shownThing(kind: ThingKind, value: string, clear: boolean): string {
  if (clear) return value;
  switch (kind) {
    case 'phone':
      return maskPhone(value);
    case 'identity':
      return maskHash(value);
    case 'ip':
      return maskIp(value);
    case 'ip24':
      return maskIp(`${value}.0`);
    case 'target':
      return value.startsWith('phone:') ? `phone:${maskPhone(value.slice(6))}` : value;
    case 'phone_run':
      return `${value.slice(0, 3)}****:${value.slice(8).replace(/\d/g, '*')}`;
    case 'address':
    case 'payment':
      return `${value.slice(0, 4)}…`;
    default:
      return value;
  }
}

const evidenceView = (e: RingEvidence, clear: boolean) => ({ ...e, value: shownThing(e.kind, e.value, clear) });
export const ringView = (r: Ring, role: Role) => ({
  ...r,
  evidence: r.evidence.map((e) => evidenceView(e, clearFor(role))),
  firstSeenAt: iso(r.firstSeenAt),
  lastSeenAt: iso(r.lastSeenAt),
});
export const runView = (r: RingRun) => ({ ...r, at: iso(r.at), from: iso(r.from), to: iso(r.to), finishedAt: iso(r.finishedAt) });

const ringParams = { type: 'object', additionalProperties: false, required: ['ringId'], properties: { ringId: { type: 'string', pattern: RING_ID_PATTERN } } } as const;
const runParams = { type: 'object', additionalProperties: false, required: ['runId'], properties: { runId: { type: 'string', pattern: RING_RUN_ID_PATTERN } } } as const;
const limit = { type: 'string', pattern: '^[1-9][0-9]{0,3}$', description: '1..9999, default 100' } as const;

const runBody = {
  type: 'object',
  additionalProperties: false,
  example: { from: '2019-01-19T00:00:00Z', to: '2019-01-21T00:00:00Z', wait: true, options: { minRows: 5 } },
  properties: {
    from: { type: 'string', format: 'date-time', maxLength: 40, description: 'start of the window (default: 30 days ago)' },
    to: { type: 'string', format: 'date-time', maxLength: 40, description: 'end of the window (default: now)' },
    wait: { type: 'boolean', description: 'answer when the run has finished (201) instead of at once (202)' },
    options: {
      type: 'object',
      additionalProperties: false,
      properties: {
        minRows: { type: 'integer', minimum: 2, maximum: 100_000, description: 'smallest ring, in accounts (default 5)' },
        peelsPerCommunity: { type: 'integer', minimum: 1, maximum: 50 },
        attachShare: { type: 'number', minimum: 0, maximum: 1 },
        minColShare: { type: 'number', minimum: 0, maximum: 1 },
        margin: { type: 'number', minimum: 1, maximum: 100, description: 'the bar is the rewired graph’s best score times this' },
        seed: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
      },
    },
  },
} as const;

interface RunBody {
  from?: string;
  to?: string;
  wait?: boolean;
  options?: Partial<RingOptions>;
}

export function ringRoutes(app: FastifyInstance, d: CoreDeps, detect?: RingRunDetect): void {
  /** Progress of runs executing in this process. */
  const live = new Map<string, { phase: string; done: number; total: number }>();
  const progressOf = (id: string) => live.get(id) ?? null;

  app.post<{ Body: RunBody }>(
    '/v1/rings/runs',
    {
      config: { roles: ['analyst'] },
      schema: {
        tags: ['rings'],
        summary: 'Run ring detection over a window of claims, orders and account events (audited); 202 at once with progress at the run’s URL, or 201 when done with wait',
        body: runBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const now = d.clock.now();
      const b = req.body;
      const started = await startRingRun(d, { from: b.from ? ms(b.from) : now - 30 * DAY, to: b.to ? ms(b.to) : now + 1, options: b.options }, actorOf(req));
      if (!started.ok) return sendAppError(reply, started.error);
      const run = started.value;
      live.set(run.id, { phase: 'starting', done: 0, total: 0 });
      const job = executeRingRun(d, run, b.options, (phase, done, total) => live.set(run.id, { phase, done, total }), detect).finally(() => live.delete(run.id));
      if (b.wait) return reply.code(201).send(runView(await job));
      job.catch((e: unknown) => req.log.error({ err: e }, 'ring detection failed'));
      return reply.code(202).header('location', `/v1/rings/runs/${run.id}`).send({ ...runView(run), progress: progressOf(run.id) });
    },
  );

  app.get('/v1/rings/runs', { config: { roles: READERS }, schema: { tags: ['rings'], summary: 'Detection runs, newest first', response: errorResponses } }, async () => ({
    items: (await d.store.rings.listRuns(50)).map((r) => ({ ...runView(r), progress: progressOf(r.id) })),
  }));

  app.get<{ Params: { runId: RingRunId } }>(
    '/v1/rings/runs/:runId',
    { config: { roles: READERS }, schema: { tags: ['rings'], summary: 'One detection run, with its progress while it runs', params: runParams, response: errorResponses } },
    async (req, reply) => {
      const r = await d.store.rings.getRun(req.params.runId);
      return r ? { ...runView(r), progress: progressOf(r.id) } : sendError(reply, 'NOT_FOUND', `run ${req.params.runId} not found`);
    },
  );

  app.get<{ Querystring: { runId?: RingRunId; limit?: string; after?: string } }>(
    '/v1/rings',
    {
      config: { roles: READERS },
      schema: {
        tags: ['rings'],
        summary: 'Rings of the current run (or of a given run), strongest first',
        querystring: { type: 'object', additionalProperties: false, properties: { runId: { type: 'string', pattern: RING_RUN_ID_PATTERN }, limit, after: { type: 'string', pattern: RING_ID_PATTERN } } },
        response: errorResponses,
      },
    },
    async (req) => {
      const run = req.query.runId ? await d.store.rings.getRun(req.query.runId) : await d.store.rings.currentRun();
      const page = await d.store.rings.list({ runId: req.query.runId, limit: Number(req.query.limit ?? 100), after: req.query.after });
      return { run: run ? runView(run) : null, items: page.items.map((r) => ringView(r, req.apiKey!.role)), next: page.next };
    },
  );

  app.get<{ Params: { campaignId: CampaignId }; Querystring: { class?: ConsumerClass; limit?: string } }>(
    '/v1/rings/classes/:campaignId',
    {
      config: { roles: READERS },
      schema: {
        tags: ['rings'],
        summary: 'Each account that claimed a campaign as ring member, ring-linked, swept-in consumer or undetermined, with reasons (against the current run)',
        params: { type: 'object', additionalProperties: false, required: ['campaignId'], properties: { campaignId: { type: 'string', pattern: idPattern('campaign') } } },
        querystring: { type: 'object', additionalProperties: false, properties: { class: { type: 'string', enum: [...CONSUMER_CLASSES] }, limit: { type: 'string', pattern: '^[1-9][0-9]{0,5}$' } } },
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const r = await classifyCampaign(d, req.params.campaignId);
      if (!r.ok) return sendAppError(reply, r.error);
      const items = r.value.items.filter((c) => !req.query.class || c.class === req.query.class);
      return { ...r.value, items: items.slice(0, Number(req.query.limit ?? 100_000)) };
    },
  );

  app.get<{ Params: { ringId: RingId } }>(
    '/v1/rings/:ringId',
    { config: { roles: READERS }, schema: { tags: ['rings'], summary: 'One ring: size, score, evidence, campaigns, money, detectors', params: ringParams, response: errorResponses } },
    async (req, reply) => {
      const r = await getRing(d, req.params.ringId);
      return r.ok ? ringView(r.value, req.apiKey!.role) : sendAppError(reply, r.error);
    },
  );

  app.get<{ Params: { ringId: RingId }; Querystring: { limit?: string; after?: string } }>(
    '/v1/rings/:ringId/members',
    {
      config: { roles: READERS },
      schema: {
        tags: ['rings'],
        summary: 'A ring’s member accounts with how strongly each is tied to it',
        params: ringParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit, after: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_.:@-]+$' } } },
        response: errorResponses,
      },
    },
    async (req, reply) => {
      if (!(await d.store.rings.get(req.params.ringId))) return sendError(reply, 'NOT_FOUND', `ring ${req.params.ringId} not found`);
      return d.store.rings.members(req.params.ringId, { limit: Number(req.query.limit ?? 100), after: req.query.after });
    },
  );

  app.get<{ Params: { ringId: RingId }; Querystring: { format?: 'json' | 'csv' } }>(
    '/v1/rings/:ringId/export',
    {
      config: { roles: ['analyst', 'auditor'] },
      schema: {
        tags: ['rings'],
        summary: 'A ring with every member, as JSON or CSV (audited)',
        params: ringParams,
        querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['json', 'csv'] } } },
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const format = req.query.format ?? 'json';
      const r = await exportRing(d, req.params.ringId, actorOf(req), format);
      if (!r.ok) return sendAppError(reply, r.error);
      reply.header('content-disposition', `attachment; filename="${req.params.ringId}.${format}"`);
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(membersCsv(r.value.ring, r.value.members));
      return { ring: ringView(r.value.ring, req.apiKey!.role), members: r.value.members };
    },
  );
}

/** One line per member; account ids are the shop's own and may need quoting. */
export function membersCsv(ring: Ring, members: readonly { accountId: string; share: number; strongLinks: number; attached: boolean }[]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = ['ring_id,run_id,ring_score,account_id,share,strong_links,attached'];
  for (const m of members) lines.push([ring.id, ring.runId, String(ring.score), q(m.accountId), String(m.share), String(m.strongLinks), String(m.attached)].join(','));
  return `${lines.join('\n')}\n`;
}
