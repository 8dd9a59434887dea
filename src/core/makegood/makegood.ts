import type { IncidentId } from '../incidents/incident.js';
import type { Brand, CampaignId } from '../shared/ids.js';
import type { Fen } from '../shared/money.js';
import type { IdGenerator } from '../../ports/ids.js';

/**
 * A make-good: coupons (red packets) of one campaign given once to each account of a population,
 * within a money budget. Issued by a job; rerunning it gives nothing twice, and it stops at its budget.
 */
export type MakegoodId = Brand<string, 'MakegoodId'>;
export const MAKEGOOD_ID_PATTERN = '^mkg_[0-9A-HJKMNP-TV-Z]{26}$';
export const newMakegoodId = (ids: IdGenerator): MakegoodId => `mkg_${ids.next<string>('key').slice(4)}` as MakegoodId;

/**
 * Who gets one:
 * - `accounts`: an operator's list (stored with the make-good);
 * - `active`: every account with a placed (not rejected) order in [from, to), e.g. the festival days.
 * Both leave out the accounts involved in `excludeIncidents`: ring members always, and accounts with
 * orders in those incidents' scope unless `includeSweptIn` and the account is a swept-in consumer.
 */
export type Population =
  | { readonly kind: 'accounts'; readonly count: number }
  | { readonly kind: 'active'; readonly from: number; readonly to: number };

export interface Makegood {
  readonly id: MakegoodId;
  readonly name: string;
  readonly campaignId: CampaignId;
  readonly budgetFen: Fen;
  readonly issuedCount: number;
  readonly issuedFen: Fen;
  readonly population: Population;
  readonly excludeIncidents: readonly IncidentId[];
  readonly includeSweptIn: boolean;
  readonly note: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
}

/**
 * Where each account of the population stands: `pending` (not reached yet, or the budget ran out
 * first), `issued` (one coupon, `couponId`), `excluded` (involved in an excluded incident),
 * `limit_reached` (already holds what the campaign allows per account, identity or phone).
 */
export const RECIPIENT_STATES = ['pending', 'issued', 'excluded', 'limit_reached'] as const;
export type RecipientState = (typeof RECIPIENT_STATES)[number];

export interface Recipient {
  readonly seq: number;
  readonly accountId: string;
  readonly state: RecipientState;
  readonly couponId: string | null;
  readonly at: number | null;
}

/** Reason code on the claim record a make-good grant leaves (so the ledger explains every coupon). */
export const MAKEGOOD_REASON = 'MAKEGOOD_GRANT';
