import type { Campaign } from '../campaigns/campaign.js';
import type { OrderCategory } from '../campaigns/template.js';
import type { Channel } from '../shared/channels.js';
import type { AccountId, CouponId } from '../shared/ids.js';
import type { Fen } from '../shared/money.js';
import type { CodePayload } from '../codes/claim-code.js';
import { reason, type Reason } from './reasons.js';

export const DECISIONS = ['allow', 'challenge', 'hold', 'deny'] as const;
export type Decision = (typeof DECISIONS)[number];

/** What the claim path knows about the account making a claim, normalized. */
export interface AccountSnapshot {
  readonly id: AccountId;
  readonly createdAt: number | null;
  /** National 11-digit form. */
  readonly phone: string | null;
  readonly deviceId: string | null;
  readonly ip: string | null;
  /** Keyed hash of the resident id given with this request or linked to the account before. */
  readonly identityHashes: readonly string[];
  readonly identityVerified: boolean;
}

export interface ClaimPolicyInput {
  readonly at: number;
  readonly campaign: Campaign;
  readonly channel: Channel;
  readonly account: AccountSnapshot;
  readonly code: CodePayload | null;
  /** The client answered a challenge for this exact request. */
  readonly challengePassed: boolean;
}

export interface OrderPolicyInput {
  readonly at: number;
  readonly accountId: AccountId;
  readonly items: readonly { category: OrderCategory; amountFen: Fen; topupTarget: string | null }[];
  readonly coupons: readonly { id: CouponId; campaign: Campaign; grantedAt: number; discountFen: Fen }[];
  readonly totalFen: Fen;
  readonly discountFen: Fen;
  readonly deviceId: string | null;
  readonly ip: string | null;
}

export interface RuleHit {
  readonly ruleId: string;
  readonly score: number;
  readonly action: Decision;
}

/** A policy's verdict with everything needed to explain it later (invariant 6). */
export interface PolicyVerdict {
  readonly action: Decision;
  readonly reasons: readonly Reason[];
  readonly policyVersion: string;
  readonly rules: readonly RuleHit[];
  /** The signal values that mattered, stored with the decision. */
  readonly signals: Readonly<Record<string, number | string | boolean | null>>;
  /** What a shadow policy would have decided on the same input: recorded, never enforced. */
  readonly shadow?: ShadowVerdict;
}

export interface ShadowVerdict {
  readonly policyVersion: string;
  readonly action: Decision;
  readonly rules: readonly RuleHit[];
}

/** The hook the risk engine fills. Evaluated after the hard checks (code, channel, identity). */
export interface Policy {
  evaluateClaim(input: ClaimPolicyInput): PolicyVerdict | Promise<PolicyVerdict>;
  evaluateOrder(input: OrderPolicyInput): PolicyVerdict | Promise<PolicyVerdict>;
  /** Told the outcome of every committed claim (velocity of grants and denials). */
  claimCommitted?(input: ClaimPolicyInput, decision: Decision): void;
}

/** The default until a risk policy is plugged in: allow everything the hard checks let through. */
export const passThroughPolicy: Policy = {
  evaluateClaim: () => ({ action: 'allow', reasons: [reason('POLICY_PASS')], policyVersion: 'passthrough@1', rules: [], signals: {} }),
  evaluateOrder: () => ({ action: 'allow', reasons: [reason('POLICY_PASS')], policyVersion: 'passthrough@1', rules: [], signals: {} }),
};
