/**
 * Who is claiming a campaign, and where its coupons go: signals about the population rather than
 * the one account, for rings that share nothing an account-level link could see (own device, own
 * proxy IP, scattered numbers, a bought identity each).
 *
 * Two facts hold for any ring that farms coupons, whatever it rotates:
 * - **Thin claimants.** Farm accounts are either new or old-but-empty shells that get an identity
 *   only when they need one; the identity arrives with the claim. A campaign whose recent claimants
 *   are mostly thin, far more than the platform's own 24 h mix, has a population shift.
 * - **The cash-out.** The value must leave: coupons spent almost in full on virtual top-ups, game
 *   currency or gift cards, often into a few shared targets. A campaign whose coupons are flowing
 *   out that way is under a cash-out attack, whoever the next claimant is.
 *
 * Both are counted in the ordinary live counters under the `campaign` entity with derived keys
 * (attempt counts only; no distinct-account sets, so memory stays per campaign, not per claimant).
 * The current claim is recorded after its own decision, so the shares describe the others.
 */
import type { AccountRecord } from '../accounts/account.js';
import type { Counters, Snapshot, VelocitySpec } from '../../ports/counters.js';

/** An account is "new" for population purposes below this age. */
export const THIN_AGE_HOURS = 7 * 24;
/** A cash-out order counts when the coupons pay at least this share of it (套现: coupon ≈ order value). */
export const FULL_VALUE_RATIO = 0.8;

const SEP = '\u0000';
const ALL = `${SEP}all`;
export const populationKey = {
  seen: (campaignId: string) => `${campaignId}${SEP}seen`,
  thin: (campaignId: string) => `${campaignId}${SEP}thin`,
  allSeen: `${ALL}${SEP}seen`,
  allThin: `${ALL}${SEP}thin`,
  redeemed: (campaignId: string) => `${campaignId}${SEP}redeemed`,
  cashout: (campaignId: string) => `${campaignId}${SEP}cashout`,
  sharedTarget: (campaignId: string) => `${campaignId}${SEP}shared-target`,
} as const;

export interface ClaimantFacts {
  /** The claim brings an identity the shop never reported on this account (account events). */
  readonly identity_fresh: boolean;
  /** Identity fresh, or the account is younger than a week. */
  readonly thin: boolean;
}

/**
 * Facts about the claimant against what the shop told us before. `identityHashes` are those on
 * the claim (with any linked by earlier claims); `ageHours` is -1 when unknown. Freshness is only
 * judged for accounts whose registration the shop reported: a shop that sends no account events
 * would otherwise make every claimant look fresh (a missing feed is the integration's doing, not
 * the claimant's); an unknown age is not thin for the same reason.
 */
export function claimantFacts(record: AccountRecord | null, identityHashes: readonly string[], ageHours: number): ClaimantFacts {
  const reported = record?.identityHash ?? null;
  const identity_fresh = record !== null && record.registeredAt !== null && identityHashes.length > 0 && (reported === null || !identityHashes.includes(reported));
  return { identity_fresh, thin: identity_fresh || (ageHours >= 0 && ageHours < THIN_AGE_HOURS) };
}

const SPEC = {
  '1h': [{ entity: 'campaign', metric: 'claims', window: '1h' }] as readonly VelocitySpec[],
  '24h': [{ entity: 'campaign', metric: 'claims', window: '24h' }] as readonly VelocitySpec[],
};

/** The counter reads behind the campaign's population signals (in `populationSignals` order): a derived key of the campaign entity, and its window. */
export const populationReads = (campaignId: string): readonly (readonly [string, '1h' | '24h'])[] => [
  [populationKey.seen(campaignId), '1h'],
  [populationKey.thin(campaignId), '1h'],
  [populationKey.allSeen, '24h'],
  [populationKey.allThin, '24h'],
  [populationKey.cashout(campaignId), '24h'],
  [populationKey.sharedTarget(campaignId), '24h'],
  [populationKey.redeemed(campaignId), '24h'],
];

const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as { then?: unknown } | null)?.then === 'function';

/**
 * Reads the population counters: one snapshot per derived key (the counters port reads one key per
 * entity per call). Plain numbers when the counters answer at once, else one promise.
 */
export function readPopulation(counters: Counters, at: number, campaignId: string): readonly number[] | Promise<readonly number[]> {
  const snaps = populationReads(campaignId).map(([key, window]) => counters.snapshot({ at, keys: { campaign: key }, velocity: SPEC[window], links: [], phoneRun: null }));
  if (snaps.some(isPromise)) return Promise.all(snaps).then((all) => all.map((x: Snapshot) => x.velocity[0] ?? 0));
  return (snaps as Snapshot[]).map((x) => x.velocity[0] ?? 0);
}

export const NO_POPULATION: readonly number[] = [];

/** The `campaign.*` population signals from the values of `populationReads`. */
export function populationSignals(v: readonly number[]) {
  const [seen = 0, thin = 0, allSeen = 0, allThin = 0, cashout = 0, shared = 0, redeemed = 0] = v;
  return {
    thin_claims_1h: thin,
    thin_share_1h: seen > 0 ? thin / seen : 0,
    // Smoothed (one thin and one not, a priori) so that an empty platform does not read as 0 % thin.
    thin_share_24h_all: (allThin + 1) / (allSeen + 2),
    cashout_redemptions_24h: cashout,
    cashout_share_24h: redeemed > 0 ? cashout / redeemed : 0,
    shared_target_redemptions_24h: shared,
  };
}

/** Whether an order spends coupons on (almost) all of its virtual goods: top-ups, game currency, gift cards. */
export function isFullValueCashout(o: { readonly items: readonly { readonly category: string; readonly unitPriceFen: number; readonly quantity: number }[]; readonly totalFen: number; readonly discountFen: number }): boolean {
  const cash = o.items.some((i) => i.category === 'virtual_topup' || i.category === 'game_currency' || i.category === 'gift_card');
  return cash && o.totalFen > 0 && o.discountFen / o.totalFen >= FULL_VALUE_RATIO;
}

/** Keys a claim adds to once decided. */
export function claimPopulationKeys(campaignId: string, thin: boolean): string[] {
  const keys = [populationKey.seen(campaignId), populationKey.allSeen];
  if (thin) keys.push(populationKey.thin(campaignId), populationKey.allThin);
  return keys;
}

/**
 * Keys an order adds to: every redemption of a campaign's coupon; a full-value cash-out; and
 * whether its top-up target is shared with another account (`targetAccounts` counts this one too).
 */
export function orderPopulationKeys(campaignIds: readonly string[], o: { cashout: boolean; couponRatio: number; targetAccounts: number }): string[] {
  const full = o.cashout && o.couponRatio >= FULL_VALUE_RATIO;
  return [...new Set(campaignIds)].flatMap((id) => [
    populationKey.redeemed(id),
    ...(full ? [populationKey.cashout(id)] : []),
    ...(full && o.targetAccounts >= 2 ? [populationKey.sharedTarget(id)] : []),
  ]);
}

/** Whether a policy reads any population signal (only then are they read per decision). */
export const readsPopulation = (refs: readonly string[]): boolean =>
  refs.some((r) => /^campaign\.(thin_|cashout_|shared_target_)/.test(r));
