import { isChannelLocked } from '../campaigns/campaign.js';
import { faceValue } from '../campaigns/template.js';
import type { Actor, CoreDeps } from '../deps.js';
import { isIncidentId, type IncidentId } from '../incidents/incident.js';
import type { JobHandler } from '../jobs/runner.js';
import { createJob } from '../jobs/service.js';
import type { Job } from '../jobs/job.js';
import { appError, type AppError } from '../shared/errors.js';
import { ACCOUNT_ID_PATTERN, type CampaignId, type ClaimId, type CouponId } from '../shared/ids.js';
import { MAX_FEN, type Fen } from '../shared/money.js';
import { err, ok, type Result } from '../shared/result.js';
import { newMakegoodId, type Makegood, type MakegoodId, type Recipient, type RecipientState } from './makegood.js';

export interface MakegoodInput {
  readonly name: string;
  readonly campaignId: CampaignId;
  readonly budgetFen: Fen;
  /** An explicit list of accounts, or everyone active in a window. */
  readonly population: { readonly kind: 'accounts'; readonly accounts: readonly string[] } | { readonly kind: 'active'; readonly from: number; readonly to: number };
  readonly excludeIncidents?: readonly string[];
  readonly includeSweptIn?: boolean;
  readonly note?: string;
}

export const MAX_MAKEGOOD_ACCOUNTS = 1_000_000;
const invalid = (m: string) => err(appError('VALIDATION_FAILED', m));

/**
 * Creates a make-good. The campaign gives the coupon (amount, validity, limits, budget); the
 * make-good adds its own money budget. Channel-locked and code-only campaigns are refused: a
 * make-good is not a way around invariant 4. Audited.
 */
export async function createMakegood(d: CoreDeps, input: MakegoodInput, actor: Actor): Promise<Result<Makegood, AppError>> {
  const name = input.name.trim();
  if (!name || name.length > 200) return invalid('name must be 1..200 characters');
  if (!Number.isSafeInteger(input.budgetFen) || input.budgetFen < 1 || input.budgetFen > MAX_FEN) return invalid('budgetFen must be a positive amount in fen');
  const campaign = await d.store.campaigns.get(input.campaignId);
  if (!campaign) return err(appError('NOT_FOUND', `campaign ${input.campaignId} not found`));
  if (isChannelLocked(campaign) || campaign.requireCode)
    return err(appError('INVALID_STATE', 'a channel-locked or code-only campaign grants only against its codes: no make-good can grant it; use an open campaign'));
  if (campaign.state !== 'active') return err(appError('INVALID_STATE', `campaign ${campaign.id} is ${campaign.state}; activate it first`));
  if (faceValue(campaign.template.discount) > input.budgetFen) return invalid('budgetFen is below one coupon of the campaign');
  const excludeIncidents = [...new Set(input.excludeIncidents ?? [])];
  for (const i of excludeIncidents) {
    if (!isIncidentId(i)) return invalid(`not an incident id: ${JSON.stringify(i.slice(0, 80))}`);
    if (!(await d.store.incidents.get(i))) return err(appError('NOT_FOUND', `incident ${i} not found`));
  }
  let accounts: string[] = [];
  const p = input.population;
  if (p.kind === 'accounts') {
    if (!p.accounts.length) return invalid('the account list is empty');
    if (p.accounts.length > MAX_MAKEGOOD_ACCOUNTS) return invalid(`at most ${MAX_MAKEGOOD_ACCOUNTS} accounts`);
    const re = new RegExp(ACCOUNT_ID_PATTERN);
    const bad = p.accounts.map((a, i) => (re.test(a) ? null : `#${i + 1} ${JSON.stringify(String(a).slice(0, 80))}`)).filter((x) => x !== null);
    if (bad.length) return invalid(`${bad.length} invalid account id(s): ${bad.slice(0, 10).join('; ')}`);
    accounts = [...new Set(p.accounts)];
  } else if (!Number.isSafeInteger(p.from) || !Number.isSafeInteger(p.to) || p.to <= p.from) {
    return invalid('the activity window needs from < to');
  }
  const at = d.clock.now();
  const m: Makegood = {
    id: newMakegoodId(d.ids),
    name,
    campaignId: campaign.id,
    budgetFen: input.budgetFen,
    issuedCount: 0,
    issuedFen: 0,
    population: p.kind === 'accounts' ? { kind: 'accounts', count: accounts.length } : { kind: 'active', from: p.from, to: p.to },
    excludeIncidents: excludeIncidents as IncidentId[],
    includeSweptIn: input.includeSweptIn ?? false,
    note: input.note ?? '',
    createdAt: at,
    createdBy: actor,
    updatedAt: at,
  };
  await d.store.makegoods.create(m, accounts, {
    actor,
    action: 'makegood.create',
    target: m.id,
    details: { name, campaignId: campaign.id, budgetFen: m.budgetFen, population: m.population, excludeIncidents, includeSweptIn: m.includeSweptIn },
  });
  return ok(m);
}

/**
 * Starts (or resumes) issuing as a job. Running it again after it finished walks the recipients
 * again and gives only to those still pending: nobody gets two, and the budget still caps it.
 */
export async function startMakegood(d: CoreDeps, id: MakegoodId, actor: Actor): Promise<Result<{ job: Job; resumed: boolean }, AppError>> {
  const m = await d.store.makegoods.get(id);
  if (!m) return err(appError('NOT_FOUND', `make-good ${id} not found`));
  const r = await createJob(d, { kind: 'makegood.issue', ref: id, params: { makegoodId: id }, actor, audit: { actor, action: 'makegood.run', target: id, details: {} } });
  if (r.ok) return ok({ job: r.value, resumed: false });
  if (r.error.holder) return ok({ job: r.error.holder, resumed: true });
  return r;
}

export interface MakegoodSummary {
  readonly makegood: Makegood;
  readonly recipients: Partial<Record<RecipientState, number>>;
  readonly budgetLeftFen: Fen;
}

export async function makegoodSummary(d: CoreDeps, id: MakegoodId): Promise<Result<MakegoodSummary, AppError>> {
  const m = await d.store.makegoods.get(id);
  if (!m) return err(appError('NOT_FOUND', `make-good ${id} not found`));
  return ok({ makegood: m, recipients: await d.store.makegoods.recipientCounts(id), budgetLeftFen: m.budgetFen - m.issuedFen });
}

export type { Recipient };

/** Recipients walked per batch. */
export const MAKEGOOD_BATCH = 2_000;

/** The make-good job: phase `select` (population `active`: accounts found in orders), then `issue`. */
export function makegoodJobHandler(d: Pick<CoreDeps, 'store' | 'ids'>): JobHandler {
  return {
    kind: 'makegood.issue',
    batchSize: MAKEGOOD_BATCH,
    step: (job, t, limit) => {
      const { makegoodId } = job.params as { makegoodId: MakegoodId };
      if (job.phase !== 'issue') return d.store.makegoods.selectBatch(t, makegoodId, limit * 10);
      const grants = Array.from({ length: limit }, () => ({ claimId: d.ids.next<ClaimId>('claim'), couponId: d.ids.next<CouponId>('coupon') }));
      return d.store.makegoods.issueBatch(t, makegoodId, grants, { actor: job.actor, action: 'makegood.done', target: makegoodId, details: {} });
    },
  };
}
