import type { JobHandler } from '../jobs/runner.js';
import type { Store } from '../../ports/store.js';
import type { IncidentJobParams } from './use-cases.js';

/** Members walked per batch (one transaction): small enough to keep the write lock short for the claim path. */
export const INCIDENT_BATCH = 5_000;
/** Orders scanned per scope-resolution batch (cheaper per row than a freeze). */
const SCOPE_SCAN_FACTOR = 10;

/**
 * The incident jobs. A freeze first resolves the scope (phase `scope`: orders scanned in rowid
 * order, in-scope ones recorded as members), then walks the members (phase `freeze`). Release and
 * cancel walk the members the incident froze. Every batch is one atomic unit with its checkpoint.
 */
export function incidentJobHandlers(store: Pick<Store, 'incidents'>): JobHandler[] {
  const params = (p: unknown) => p as IncidentJobParams;
  return [
    {
      kind: 'incident.freeze',
      batchSize: INCIDENT_BATCH,
      step: (job, t, limit) => {
        const { incidentId } = params(job.params);
        if (job.phase !== 'freeze') return store.incidents.resolveBatch(t, incidentId, limit * SCOPE_SCAN_FACTOR, { phase: 'freeze', finished: false }, null);
        return store.incidents.actBatch(t, incidentId, 'freeze', {}, limit, { actor: job.actor, action: 'incident.freeze.done', target: incidentId, details: {} });
      },
    },
    ...(['release', 'cancel'] as const).map(
      (action): JobHandler => ({
        kind: `incident.${action}`,
        batchSize: INCIDENT_BATCH,
        step: (job, t, limit) => {
          const { incidentId, filter } = params(job.params);
          return store.incidents.actBatch(t, incidentId, action, filter, limit, { actor: job.actor, action: `incident.${action}.done`, target: incidentId, details: { filter } });
        },
      }),
    ),
  ];
}
