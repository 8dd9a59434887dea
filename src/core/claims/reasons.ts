/**
 * Reason codes the platform itself gives on claims and orders. Policy rules (the risk engine)
 * add their own codes; these are the ones every decision can carry whatever the policy.
 */
export const REASON_MESSAGES = {
  GRANTED: 'Coupon granted',
  CHANNEL_NOT_ALLOWED: 'This coupon cannot be claimed through this channel',
  CODE_REQUIRED: 'This coupon can only be claimed with a platform-issued code',
  CODE_MALFORMED: 'The claim code is not a valid code',
  CODE_FORGED: 'The claim code was not issued by the platform',
  CODE_WRONG_CAMPAIGN: 'The claim code belongs to another campaign',
  CODE_EXPIRED: 'The claim code has expired',
  CODE_REVOKED: 'The claim code has been revoked',
  CODE_USED_UP: 'The claim code has been used up',
  CAMPAIGN_DRAFT: 'The campaign has not been activated',
  CAMPAIGN_PAUSED: 'The campaign is paused',
  COUPON_TYPE_PAUSED: 'This coupon type is paused',
  CHANNEL_PAUSED: 'Claims through this channel are paused',
  CAMPAIGN_ENDED: 'The campaign has ended',
  CAMPAIGN_NOT_STARTED: 'The campaign has not started yet',
  CAMPAIGN_OVER: 'The campaign claim window is over',
  BUDGET_COUNT_EXHAUSTED: 'No coupons are left in this campaign',
  BUDGET_MONEY_EXHAUSTED: 'The campaign money budget is used up',
  ACCOUNT_LIMIT_REACHED: 'This account has already claimed the maximum for this campaign',
  IDENTITY_LIMIT_REACHED: 'This real-name identity has already claimed the maximum for this campaign',
  PHONE_LIMIT_REACHED: 'This phone number has already claimed the maximum for this campaign',
  IDENTITY_REQUIRED: 'This coupon requires a real-name identity',
  IDENTITY_NOT_VERIFIED: 'This coupon requires a verified real-name identity',
  POLICY_PASS: 'No risk rule objected',
  CHALLENGE_PASSED: 'The client answered the challenge',
  CHALLENGE_UNKNOWN: 'The challenge does not exist',
  CHALLENGE_EXPIRED: 'The challenge has expired',
  CHALLENGE_USED: 'The challenge has already been used',
  CHALLENGE_MISMATCH: 'The challenge was issued for another request',
  CHALLENGE_FAILED: 'The challenge answer is wrong',
  COUPON_NOT_FOUND: 'A coupon on the order does not exist',
  COUPON_NOT_OWNED: 'A coupon on the order belongs to another account',
  COUPON_NOT_AVAILABLE: 'A coupon on the order is not available (used, locked, revoked or expired)',
  COUPON_NOT_YET_VALID: 'A coupon on the order is not valid yet',
  COUPON_DUPLICATE_CAMPAIGN: 'Two coupons of the same campaign cannot be applied to one order',
  THRESHOLD_NOT_MET: 'The order does not reach the coupon threshold',
  NO_ELIGIBLE_ITEMS: 'No item on the order is eligible for the coupon',
} as const;
export type PlatformReasonCode = keyof typeof REASON_MESSAGES;

export interface Reason {
  readonly code: string;
  readonly message: string;
}

export const reason = (code: PlatformReasonCode): Reason => ({ code, message: REASON_MESSAGES[code] });
