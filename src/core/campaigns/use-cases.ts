import type { AuditInput } from '../audit/audit.js';
import type { Actor, CoreDeps } from '../deps.js';
import { appError, type AppError } from '../shared/errors.js';
import type { CampaignId } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';
import {
  allowedFrom,
  CAMPAIGN_ACTION_TARGET,
  campaignProblems,
  type Campaign,
  type CampaignAction,
  type CampaignInput,
  type CampaignUsage,
} from './campaign.js';

export interface CampaignView {
  readonly campaign: Campaign;
  readonly usage: CampaignUsage;
}

export async function createCampaign(d: CoreDeps, input: CampaignInput, actor: Actor): Promise<Result<Campaign, AppError>> {
  const problems = campaignProblems(input);
  if (problems.length) return err(appError('VALIDATION_FAILED', problems.join('; ')));
  const now = d.clock.now();
  const { state, ...rest } = input;
  const c: Campaign = { ...rest, id: d.ids.next<CampaignId>('campaign'), state: state ?? 'draft', createdAt: now, updatedAt: now };
  const audit: AuditInput = { actor, action: 'campaign.create', target: c.id, details: { name: c.name, special: c.special, channels: c.channels, budget: c.budget } };
  await d.store.campaigns.create(c, audit);
  return ok(c);
}

export async function getCampaign(d: CoreDeps, id: CampaignId): Promise<Result<CampaignView, AppError>> {
  const campaign = await d.store.campaigns.get(id);
  if (!campaign) return err(appError('NOT_FOUND', `campaign ${id} not found`));
  return ok({ campaign, usage: await d.store.campaigns.usage(id) });
}

/** activate / pause / resume / end. Pausing takes effect on the next claim: the claim path reads state inside its atomic unit. */
export async function changeCampaignState(
  d: CoreDeps,
  id: CampaignId,
  action: CampaignAction,
  actor: Actor,
  note?: string,
): Promise<Result<Campaign, AppError>> {
  const to = CAMPAIGN_ACTION_TARGET[action];
  const r = await d.store.campaigns.transition(id, allowedFrom(action), to, d.clock.now(), {
    actor,
    action: `campaign.${action}`,
    target: id,
    details: note ? { note } : {},
  });
  if (!r.campaign) return err(appError('NOT_FOUND', `campaign ${id} not found`));
  if (!r.changed && r.campaign.state !== to)
    return err(appError('INVALID_STATE', `cannot ${action} a campaign that is ${r.campaign.state}`));
  return ok(r.campaign);
}
