import { hostname } from 'node:os';
import type { CoreDeps } from '../core/deps.js';
import { incidentJobHandlers } from '../core/incidents/jobs.js';
import { ringSource } from '../core/rings/incident-source.js';
import type { IncidentDeps } from '../core/incidents/use-cases.js';
import { handlerMap, type JobHandlers, type RunOutcome } from '../core/jobs/runner.js';
import { jobService, type JobService } from '../core/jobs/service.js';
import { makegoodJobHandler } from '../core/makegood/use-cases.js';
import { revokeJobHandler } from '../core/coupons/revoke.js';
import { backtestJobHandler } from '../core/risk/backtest-job.js';
import { MemoryCounters } from '../adapters/memory/counters.js';
import { nextTurn } from './next-turn.js';

/**
 * Every job kind the platform runs. A new kind (e.g. bulk coupon revocation) adds its handler
 * here; the server, `couponguard jobs resume` and the HTTP job routes then all know it.
 */
export function jobHandlers(d: CoreDeps): JobHandlers {
  return handlerMap(...incidentJobHandlers(d.store), makegoodJobHandler(d), revokeJobHandler(d), backtestJobHandler(d, () => new MemoryCounters()));
}

/** Incident use cases' deps: ring detection (src/core/rings) resolves ring scopes and classifies accounts. */
export const incidentDeps = (d: CoreDeps): IncidentDeps => ({ ...d, rings: ringSource(d) });

/** Yields to the event loop between batches, so a server keeps answering while a job runs. */

/** A job service for this process (server or CLI): runners named after the host and pid. */
export function processJobService(d: CoreDeps, onOutcome?: (o: RunOutcome) => void): JobService {
  return jobService(d, jobHandlers(d), { ownerPrefix: `${hostname()}:${process.pid}`, pause: nextTurn, ...(onOutcome ? { onOutcome } : {}) });
}
