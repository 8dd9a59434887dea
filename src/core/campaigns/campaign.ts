import type { Channel } from '../shared/channels.js';
import type { AccountId, CampaignId, ClaimId, CouponId, OrderId } from '../shared/ids.js';
import type { Fen } from '../shared/money.js';
import { faceValue, templateProblems, type CouponTemplate } from './template.js';

export const CAMPAIGN_STATES = ['draft', 'active', 'paused', 'ended'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export interface CampaignLimits {
  /** Grants per real-name identity (hash), across every account tied to it. */
  readonly perIdentity: number;
  /** Grants per account. */
  readonly perAccount: number;
  /** Grants per phone number, across accounts; absent = same as perIdentity. */
  readonly perPhone?: number;
}

export interface Campaign {
  readonly id: CampaignId;
  readonly name: string;
  readonly template: CouponTemplate;
  /** Special coupon types (event-only, high value) get the strictest policy. */
  readonly special: boolean;
  /** The channels claims may come through. `['offline_event']` alone = channel-locked. */
  readonly channels: readonly Channel[];
  /** Every claim needs a platform-issued code for this campaign, whatever the channel. */
  readonly requireCode: boolean;
  /** Claims need a verified real-name identity. */
  readonly requireVerifiedIdentity: boolean;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly budget: { readonly count: number; readonly moneyFen: Fen };
  readonly limits: CampaignLimits;
  /** On cancelling an unfulfilled order: true = the coupon becomes usable again, false = it is voided. */
  readonly restoreOnCancel: boolean;
  readonly state: CampaignState;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Campaigns of one coupon type (e.g. "tv-guest-100") are monitored and paused together; default: the campaign alone. */
  readonly couponType?: string;
  /** What the operators expect and allow; the monitor learns the rest. */
  readonly monitor?: CampaignMonitor;
}

export interface CampaignMonitor {
  /** Alert when grants per minute exceed this. */
  readonly maxGrantsPerMinute?: number;
  /** Alert when this share of the count or money budget is used (1–100). */
  readonly budgetAlertPercent?: number;
  /** Announced surges (a flash sale): the expected rate while they last. */
  readonly expectedSurges?: readonly { readonly startsAt: number; readonly endsAt: number; readonly grantsPerMinute: number }[];
  /** Pause automatically when an alert fires. Default: on for special and channel-locked campaigns. */
  readonly autoPause?: boolean;
}

/** The coupon type a campaign belongs to (its own id when none is given). */
export const couponTypeOf = (c: Pick<Campaign, 'id' | 'couponType'>): string => c.couponType ?? c.id;

export interface CampaignUsage {
  readonly grantedCount: number;
  readonly grantedFen: Fen;
}

/**
 * Whether a claim must carry a valid code: always on `offline_event` (the code is the proof of
 * presence), and on every channel when the campaign says so or is locked to the offline event.
 */
export function codeRequired(c: Pick<Campaign, 'channels' | 'requireCode'>, channel: Channel): boolean {
  return channel === 'offline_event' || c.requireCode || isChannelLocked(c);
}

export const isChannelLocked = (c: Pick<Campaign, 'channels'>): boolean =>
  c.channels.length === 1 && c.channels[0] === 'offline_event';

export const perPhoneLimit = (c: Campaign): number => c.limits.perPhone ?? c.limits.perIdentity;

export type CampaignInput = Omit<Campaign, 'id' | 'state' | 'createdAt' | 'updatedAt'> & { readonly state?: 'draft' | 'active' };

export function campaignProblems(c: CampaignInput): string[] {
  const p = templateProblems(c.template);
  if (c.endsAt <= c.startsAt) p.push('endsAt must be after startsAt');
  if (new Set(c.channels).size !== c.channels.length) p.push('channels must not repeat');
  if (c.budget.moneyFen < faceValue(c.template.discount)) p.push('budget.moneyFen is below one coupon face value');
  if (c.special && !isChannelLocked(c) && !c.requireCode)
    p.push('a special campaign must be locked to offline_event or require codes');
  return p;
}

/** Which state changes an operator may make. */
const TRANSITIONS: Record<string, readonly CampaignState[]> = {
  activate: ['draft'],
  pause: ['active'],
  resume: ['paused'],
  end: ['draft', 'active', 'paused'],
};
export type CampaignAction = 'activate' | 'pause' | 'resume' | 'end';
export const CAMPAIGN_ACTION_TARGET: Record<CampaignAction, CampaignState> = {
  activate: 'active',
  pause: 'paused',
  resume: 'active',
  end: 'ended',
};
export const allowedFrom = (a: CampaignAction): readonly CampaignState[] => TRANSITIONS[a]!;

export const COUPON_STATUSES = ['available', 'locked', 'redeemed', 'revoked', 'expired'] as const;
export type CouponStatus = (typeof COUPON_STATUSES)[number];

/** An issued coupon (a grant). */
export interface Coupon {
  readonly id: CouponId;
  readonly campaignId: CampaignId;
  readonly accountId: AccountId;
  readonly claimId: ClaimId;
  readonly faceValueFen: Fen;
  readonly status: CouponStatus;
  readonly validFrom: number;
  readonly validTo: number;
  readonly grantedAt: number;
  readonly orderId: OrderId | null;
  readonly updatedAt: number;
}

/** Expiry is a fact of time; we report it without needing a sweeper to have run. */
export const effectiveStatus = (c: Coupon, now: number): CouponStatus =>
  (c.status === 'available' || c.status === 'locked') && now >= c.validTo ? 'expired' : c.status;

export function couponValidTo(c: Campaign, grantedAt: number): number {
  const days = c.template.validDays;
  return days ? grantedAt + days * 86_400_000 : c.endsAt;
}
