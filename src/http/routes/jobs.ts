import type { FastifyInstance } from 'fastify';
import type { CoreDeps } from '../../core/deps.js';
import type { JobId, JobStatus } from '../../core/jobs/job.js';
import { pauseJob, requeueJob, type JobService } from '../../core/jobs/service.js';
import { actorOf, READERS } from '../auth.js';
import { sendAppError, sendError } from '../errors.js';
import { jobListQuery, jobParams, noteOnlyBody } from '../incident-schemas.js';
import { jobView } from '../incident-views.js';
import { errorResponses } from '../schemas.js';

/** Long jobs: progress for every reader, pause and resume for operators. */
export function jobRoutes(app: FastifyInstance, d: CoreDeps, jobs: JobService): void {
  app.get<{ Querystring: { kind?: string; status?: JobStatus; ref?: string; after?: string; limit?: string } }>(
    '/v1/jobs',
    { config: { roles: READERS }, schema: { tags: ['jobs'], summary: 'Jobs, oldest first (filter by kind, status or ref)', querystring: jobListQuery, response: errorResponses } },
    async (req) => {
      const { kind, status, ref, after, limit } = req.query;
      const page = await d.store.jobs.list({ limit: Number(limit ?? 100), ...(kind ? { kind } : {}), ...(status ? { status } : {}), ...(ref ? { ref } : {}), ...(after ? { after } : {}) });
      return { items: page.items.map(jobView), next: page.next };
    },
  );

  app.get<{ Params: { jobId: JobId } }>(
    '/v1/jobs/:jobId',
    {
      config: { roles: READERS },
      schema: {
        tags: ['jobs'],
        summary: 'A job and its progress',
        description: '`phase` is the current step, `done`/`total` count within it, `counts` are the tallies so far; `status` is queued, running, paused, done or failed.',
        params: jobParams,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const j = await d.store.jobs.get(req.params.jobId);
      return j ? jobView(j) : sendError(reply, 'NOT_FOUND', `job ${req.params.jobId} not found`);
    },
  );

  app.post<{ Params: { jobId: JobId }; Body: { note?: string } }>(
    '/v1/jobs/:jobId/pause',
    { config: { roles: ['operator'] }, schema: { tags: ['jobs'], summary: 'Pause a job after its current batch (audited)', params: jobParams, body: noteOnlyBody, response: errorResponses } },
    async (req, reply) => {
      const r = await pauseJob(d, req.params.jobId, actorOf(req));
      return r.ok ? jobView(r.value) : sendAppError(reply, r.error);
    },
  );

  app.post<{ Params: { jobId: JobId }; Body: { note?: string } }>(
    '/v1/jobs/:jobId/resume',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['jobs'],
        summary: 'Resume a paused or failed job from its checkpoint, here (audited)',
        description: 'Also picks up a running job whose runner died (its lease ran out). 202 with the job; follow it with GET /v1/jobs/{jobId}.',
        params: jobParams,
        body: noteOnlyBody,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const cur = await d.store.jobs.get(req.params.jobId);
      if (!cur) return sendError(reply, 'NOT_FOUND', `job ${req.params.jobId} not found`);
      if (!jobs.handlers.has(cur.kind)) return sendError(reply, 'INVALID_STATE', `this server does not run jobs of kind ${cur.kind}`);
      if (cur.status === 'paused' || cur.status === 'failed') {
        const r = await requeueJob(d, cur.id, actorOf(req));
        if (!r.ok) return sendAppError(reply, r.error);
      } else if (cur.status === 'done') {
        return sendError(reply, 'INVALID_STATE', 'the job is done');
      } else if (cur.status === 'running' && cur.leaseUntil !== null && cur.leaseUntil > d.clock.now()) {
        return reply.code(202).send(jobView(cur));
      }
      jobs.spawn(cur.id);
      return reply.code(202).send(jobView((await d.store.jobs.get(cur.id))!));
    },
  );
}
