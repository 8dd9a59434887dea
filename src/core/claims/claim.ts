import type { Campaign, CampaignUsage } from '../campaigns/campaign.js';
import { perPhoneLimit } from '../campaigns/campaign.js';
import { faceValue } from '../campaigns/template.js';
import type { IssuedCode } from '../codes/batch.js';
import type { Channel } from '../shared/channels.js';
import type { AccountId, BatchId, CampaignId, ClaimId, CodeId, CouponId } from '../shared/ids.js';
import type { Fen } from '../shared/money.js';
import type { AccountSnapshot, Decision, PolicyVerdict, RuleHit, ShadowVerdict } from './policy.js';
import { reason, type Reason } from './reasons.js';
import { CHALLENGE_DIFFICULTY, CHALLENGE_TTL_MS, type ChallengeRecord } from './challenge.js';

/** Everything a claim decided, as stored (one row per claim attempt, granted or not). */
export interface ClaimRecord {
  readonly id: ClaimId;
  readonly at: number;
  readonly campaignId: CampaignId;
  readonly channel: Channel;
  readonly accountId: AccountId;
  readonly phone: string | null;
  readonly deviceId: string | null;
  readonly ip: string | null;
  readonly identityHash: string | null;
  readonly codeId: CodeId | null;
  readonly batchId: BatchId | null;
  /** SHA-256 of a code text that failed verification, so forged codes can be counted and traced. */
  readonly codeFingerprint: string | null;
  readonly decision: Decision;
  readonly reasons: readonly Reason[];
  readonly policyVersion: string;
  readonly rules: readonly RuleHit[];
  readonly signals: PolicyVerdict['signals'];
  readonly couponId: CouponId | null;
  readonly challengeId: string | null;
  readonly faceValueFen: Fen;
  /** Inputs kept so that a backtest can rebuild the same signals. */
  readonly accountCreatedAt: number | null;
  readonly identityVerified: boolean;
  /** A shadow policy's verdict on the same input, recorded and not enforced. */
  readonly shadow: ShadowVerdict | null;
}

/** The public answer to a claim: a stable contract (see the OpenAPI document). */
export interface ClaimResult {
  readonly claimId: ClaimId;
  readonly decision: Decision;
  readonly couponId?: CouponId;
  readonly challengeId?: string;
  /** For `challenge`: what to solve and by when; resend the same claim with `challenge: {id, solution}`. */
  readonly challenge?: { readonly id: string; readonly kind: 'proof_of_work'; readonly difficulty: number; readonly expiresAt: number };
  readonly reasons: readonly Reason[];
  readonly policyVersion: string;
}

export const claimResult = (r: ClaimRecord): ClaimResult => ({
  claimId: r.id,
  decision: r.decision,
  ...(r.couponId ? { couponId: r.couponId } : {}),
  ...(r.challengeId
    ? { challengeId: r.challengeId, challenge: { id: r.challengeId, kind: 'proof_of_work' as const, difficulty: CHALLENGE_DIFFICULTY, expiresAt: r.at + CHALLENGE_TTL_MS } }
    : {}),
  reasons: r.reasons,
  policyVersion: r.policyVersion,
});

export interface IdempotencyRef {
  /** Who the key belongs to (the API key id) and what it is for ("claim", "order"). */
  readonly scope: string;
  readonly key: string;
  /** Hash of the request body: the same key with another body is refused. */
  readonly requestHash: string;
}

/** What the claim path hands the store to check and consume in one atomic step. */
export interface ClaimPlan {
  readonly record: ClaimRecord;
  readonly account: AccountSnapshot;
  /** The grant to make if every atomic check passes (absent for deny/challenge). */
  readonly grant: { readonly validFrom: number; readonly validTo: number; readonly locked: boolean } | null;
  readonly idempotency: IdempotencyRef;
  /** A challenge to store with a `challenge` decision. */
  readonly challenge: ChallengeRecord | null;
  /** The challenge this claim answered, consumed atomically with the grant. */
  readonly answered: string | null;
}

export type ClaimCommitOutcome =
  | { readonly kind: 'committed'; readonly record: ClaimRecord }
  | { readonly kind: 'replayed'; readonly record: ClaimRecord }
  | { readonly kind: 'idempotency_mismatch' };

/** Why a campaign cannot grant right now, if it cannot. */
export function campaignClosedReason(c: Campaign, at: number): Reason | null {
  if (c.state === 'draft') return reason('CAMPAIGN_DRAFT');
  if (c.state === 'paused') return reason('CAMPAIGN_PAUSED');
  if (c.state === 'ended') return reason('CAMPAIGN_ENDED');
  if (at < c.startsAt) return reason('CAMPAIGN_NOT_STARTED');
  if (at >= c.endsAt) return reason('CAMPAIGN_OVER');
  return null;
}

/** The state an adapter reads inside its transaction before it consumes anything. */
export interface ClaimCommitSnapshot {
  readonly campaign: Campaign;
  readonly usage: CampaignUsage;
  readonly code: (IssuedCode & { readonly batchRevoked: boolean }) | null;
  readonly accountGrants: number;
  /** Grants so far per identity hash of the plan, in the plan's order. */
  readonly identityGrants: readonly number[];
  readonly phoneGrants: number;
  /** Whether the answered challenge (if any) was already used by another claim. */
  readonly challengeUsed: boolean;
  /** An active pause of the campaign's coupon type or of the claim's channel. */
  readonly scopePaused: 'type' | 'channel' | null;
}

/**
 * The atomic checks of the claim path, as one pure function that every store adapter runs on a
 * snapshot read inside its own atomic unit. Returns the first reason the claim must be denied,
 * or null when it may consume. Order matters: code problems first (they are what an attacker
 * probes), then the campaign, then limits, then budget.
 */
export function atomicClaimCheck(plan: ClaimPlan, s: ClaimCommitSnapshot): Reason | null {
  const r = plan.record;
  if (plan.answered && s.challengeUsed) return reason('CHALLENGE_USED');
  if (r.codeId) {
    if (!s.code) return reason('CODE_FORGED');
    if (s.code.campaignId !== r.campaignId) return reason('CODE_WRONG_CAMPAIGN');
    if (s.code.batchRevoked) return reason('CODE_REVOKED');
    if (s.code.uses >= s.code.useLimit) return reason('CODE_USED_UP');
  } else if (s.campaign.channels.length === 1 && s.campaign.channels[0] === 'offline_event') {
    // Defence in depth for invariant 4: whatever the caller decided, a locked campaign
    // never grants without a code row consumed in the same atomic unit.
    return reason('CODE_REQUIRED');
  } else if (s.campaign.requireCode) {
    return reason('CODE_REQUIRED');
  }
  if (!s.campaign.channels.includes(r.channel)) return reason('CHANNEL_NOT_ALLOWED');
  const closed = campaignClosedReason(s.campaign, r.at);
  if (closed) return closed;
  if (s.scopePaused === 'type') return reason('COUPON_TYPE_PAUSED');
  if (s.scopePaused === 'channel') return reason('CHANNEL_PAUSED');
  if (s.accountGrants >= s.campaign.limits.perAccount) return reason('ACCOUNT_LIMIT_REACHED');
  if (s.identityGrants.some((n) => n >= s.campaign.limits.perIdentity)) return reason('IDENTITY_LIMIT_REACHED');
  if (plan.account.phone && s.phoneGrants >= perPhoneLimit(s.campaign)) return reason('PHONE_LIMIT_REACHED');
  if (s.usage.grantedCount + 1 > s.campaign.budget.count) return reason('BUDGET_COUNT_EXHAUSTED');
  if (s.usage.grantedFen + faceValue(s.campaign.template.discount) > s.campaign.budget.moneyFen)
    return reason('BUDGET_MONEY_EXHAUSTED');
  return null;
}

/** The record as stored when an atomic check turned a grant into a denial. */
export function deniedAtCommit(r: ClaimRecord, why: Reason): ClaimRecord {
  return { ...r, decision: 'deny' as Decision, reasons: [why, ...r.reasons.filter((x) => x.code !== 'POLICY_PASS' && x.code !== 'GRANTED')], couponId: null, faceValueFen: 0 };
}
