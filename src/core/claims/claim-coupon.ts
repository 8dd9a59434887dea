import { codeRequired, couponValidTo } from '../campaigns/campaign.js';
import { faceValue } from '../campaigns/template.js';
import { canonicalJson } from '../audit/audit.js';
import { verifyClaimCode, type CodePayload } from '../codes/claim-code.js';
import type { CoreDeps } from '../deps.js';
import { normalizeCnMobile } from '../identity/phone.js';
import { validateResidentId } from '../identity/resident-id.js';
import type { Channel } from '../shared/channels.js';
import { appError, type AppError } from '../shared/errors.js';
import type { AccountId, CampaignId, ClaimId, CouponId } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';
import { campaignClosedReason, claimResult, type ClaimPlan, type ClaimRecord, type ClaimResult } from './claim.js';
import type { AccountSnapshot, PolicyVerdict } from './policy.js';
import { reason, type PlatformReasonCode, type Reason } from './reasons.js';
import { CHALLENGE_DIFFICULTY, CHALLENGE_TTL_MS, powValid, type ChallengeAnswer } from './challenge.js';

/** A claim as the shop's backend sends it (the public contract, see the OpenAPI document). */
export interface ClaimRequest {
  readonly campaignId: CampaignId;
  readonly channel: Channel;
  /** The text of a platform-issued claim code (from a QR code), when there is one. */
  readonly code?: string;
  readonly account: {
    readonly id: string;
    /** When the shop created the account, epoch ms. */
    readonly createdAt?: number;
    readonly phone?: string;
    readonly deviceId?: string;
    readonly ip?: string;
    readonly identity?: { readonly number: string; readonly verified: boolean };
  };
  /** The answer to a challenge this same request received before. */
  readonly challenge?: ChallengeAnswer;
}

export interface ClaimOptions {
  /** The idempotency scope (who is calling) and key. */
  readonly scope: string;
  readonly idempotencyKey: string;
}

const HARD_DENY_VERSION = 'platform@1';

async function checkAnswer(d: CoreDeps, a: ChallengeAnswer, bodyHash: string, at: number): Promise<PlatformReasonCode | null> {
  const c = await d.store.claims.getChallenge(a.id);
  if (!c) return 'CHALLENGE_UNKNOWN';
  if (c.usedBy) return 'CHALLENGE_USED';
  if (at >= c.expiresAt) return 'CHALLENGE_EXPIRED';
  if (c.requestHash !== bodyHash) return 'CHALLENGE_MISMATCH';
  return powValid(d.sha256, c.id, a.solution, c.difficulty) ? null : 'CHALLENGE_FAILED';
}

function hardDeny(reasons: Reason[]): PolicyVerdict {
  return { action: 'deny', reasons, policyVersion: HARD_DENY_VERSION, rules: [], signals: {} };
}

/**
 * The claim path: verify the code and the channel → validate input → policy → atomic
 * check-and-consume with the record of the decision → answer. Bad input is an `AppError` and
 * changes nothing; every other outcome (denied included) is a recorded decision.
 */
export async function claimCoupon(d: CoreDeps, req: ClaimRequest, opts: ClaimOptions): Promise<Result<ClaimResult, AppError>> {
  const at = d.clock.now();
  const campaign = await d.store.campaigns.get(req.campaignId);
  if (!campaign) return err(appError('NOT_FOUND', `campaign ${req.campaignId} not found`));

  // 1. Code and channel, before anything else (invariants 4 and 5).
  const problems: Reason[] = [];
  let code: CodePayload | null = null;
  let codeFingerprint: string | null = null;
  if (req.code !== undefined) {
    const v = verifyClaimCode(req.code, d.signer, { campaignId: campaign.id, now: at });
    if (v.ok) code = v.payload;
    else {
      problems.push(reason(v.reason));
      codeFingerprint = d.sha256(req.code);
    }
  } else if (codeRequired(campaign, req.channel)) {
    problems.push(reason('CODE_REQUIRED'));
  }
  if (!campaign.channels.includes(req.channel)) problems.push(reason('CHANNEL_NOT_ALLOWED'));

  // 2. Input: a malformed phone or identity number is the caller's mistake, not a decision.
  const a = req.account;
  const phone = a.phone === undefined ? null : normalizeCnMobile(a.phone);
  if (a.phone !== undefined && !phone) return err(appError('VALIDATION_FAILED', 'account.phone is not a Chinese mobile number'));
  let identityHash: string | null = null;
  if (a.identity) {
    const v = validateResidentId(a.identity.number);
    if (!v.ok) return err(appError('VALIDATION_FAILED', `account.identity.number is not a valid resident id (${v.problem})`));
    identityHash = d.hasher.hash('identity', v.id);
  }
  const linked = await d.store.claims.identityHashesOf(a.id as AccountId);
  const account: AccountSnapshot = {
    id: a.id as AccountId,
    createdAt: a.createdAt ?? null,
    phone,
    deviceId: a.deviceId ?? null,
    ip: a.ip ?? null,
    identityHashes: [...new Set([...(identityHash ? [identityHash] : []), ...linked])],
    identityVerified: a.identity?.verified ?? false,
  };
  if (campaign.requireVerifiedIdentity) {
    if (!identityHash) problems.push(reason('IDENTITY_REQUIRED'));
    else if (!account.identityVerified) problems.push(reason('IDENTITY_NOT_VERIFIED'));
  }
  const closed = campaignClosedReason(campaign, at);
  if (closed) problems.push(closed);

  // A challenge answer must belong to this very request, be fresh, unused and correct.
  const { challenge: answer, ...withoutAnswer } = req;
  // Keyed: a request holds the resident id, so a plain hash of it could be reversed by enumeration.
  const bodyHash = d.hasher.hash('request', canonicalJson(withoutAnswer));
  // Without an answer the request and the request without its answer are the same text.
  const requestHash = answer ? d.hasher.hash('request', canonicalJson(req)) : bodyHash;
  let challengePassed = false;
  if (answer) {
    const problem = await checkAnswer(d, answer, bodyHash, at);
    if (problem) problems.push(reason(problem));
    else challengePassed = true;
  }

  // 3. Policy, only for claims the platform's own checks let through.
  const policyInput = { at, campaign, channel: req.channel, account, code, challengePassed };
  const verdict = problems.length ? hardDeny(problems) : await d.policy.evaluateClaim(policyInput);
  const grants = verdict.action === 'allow' || verdict.action === 'hold';
  const fv = faceValue(campaign.template.discount);
  const record: ClaimRecord = {
    id: d.ids.next<ClaimId>('claim'),
    at,
    campaignId: campaign.id,
    channel: req.channel,
    accountId: account.id,
    phone,
    deviceId: account.deviceId,
    ip: account.ip,
    identityHash,
    codeId: code?.codeId ?? null,
    batchId: code?.batchId ?? null,
    codeFingerprint,
    decision: verdict.action,
    reasons: [
      ...(grants && verdict.action === 'allow' ? [reason('GRANTED')] : []),
      ...(challengePassed ? [reason('CHALLENGE_PASSED')] : []),
      ...verdict.reasons,
    ],
    policyVersion: verdict.policyVersion,
    rules: verdict.rules,
    signals: verdict.signals,
    couponId: grants ? d.ids.next<CouponId>('coupon') : null,
    challengeId: verdict.action === 'challenge' ? d.ids.next<string>('challenge') : null,
    faceValueFen: grants ? fv : 0,
    accountCreatedAt: account.createdAt,
    identityVerified: account.identityVerified,
    shadow: verdict.shadow ?? null,
  };
  const plan: ClaimPlan = {
    record,
    account,
    grant: grants ? { validFrom: at, validTo: couponValidTo(campaign, at), locked: verdict.action === 'hold' } : null,
    idempotency: { scope: `${opts.scope}:claim`, key: opts.idempotencyKey, requestHash },
    challenge: record.challengeId
      ? { id: record.challengeId, claimId: record.id, requestHash: bodyHash, difficulty: CHALLENGE_DIFFICULTY, expiresAt: at + CHALLENGE_TTL_MS, usedBy: null }
      : null,
    answered: challengePassed && answer ? answer.id : null,
  };

  // 4. Atomic check-and-consume; the store may still deny (budget, limits, code uses).
  const out = await d.store.claims.commit(plan);
  if (out.kind === 'idempotency_mismatch')
    return err(appError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request'));
  if (out.kind === 'committed') d.policy.claimCommitted?.(policyInput, out.record.decision);
  return ok(claimResult(out.record));
}
