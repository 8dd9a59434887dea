import type { CoreDeps } from '../deps.js';
import { appError, type AppError } from '../shared/errors.js';
import type { CampaignId } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';
import type { Disposition, IncidentId } from './incident.js';
import { lossReport, type LossReport } from './loss.js';

export interface IncidentLossReport extends LossReport {
  readonly subject: { readonly kind: 'incident'; readonly id: IncidentId; readonly title: string } | { readonly kind: 'campaign'; readonly id: CampaignId; readonly title: string };
  /** The incident's member orders by disposition (incidents only). */
  readonly orders: Partial<Record<Disposition, number>> | null;
}

/** Live loss accounting for an incident: computed from the ledger as it stands now. */
export async function incidentLoss(d: CoreDeps, id: IncidentId): Promise<Result<IncidentLossReport, AppError>> {
  const inc = await d.store.incidents.get(id);
  if (!inc) return err(appError('NOT_FOUND', `incident ${id} not found`));
  const at = d.clock.now();
  const [rows, orders] = await Promise.all([d.store.traces.lossRows({ incidentId: id }, at), d.store.incidents.dispositionCounts(id)]);
  return ok({ ...lossReport(rows, at), subject: { kind: 'incident', id, title: inc.title }, orders });
}

/** The same accounting over every coupon of one campaign. */
export async function campaignLoss(d: CoreDeps, id: CampaignId): Promise<Result<IncidentLossReport, AppError>> {
  const c = await d.store.campaigns.get(id);
  if (!c) return err(appError('NOT_FOUND', `campaign ${id} not found`));
  const at = d.clock.now();
  return ok({ ...lossReport(await d.store.traces.lossRows({ campaignId: id }, at), at), subject: { kind: 'campaign', id, title: c.name }, orders: null });
}
