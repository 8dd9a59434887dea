import type { Actor, CoreDeps } from '../deps.js';
import { appError, type AppError } from '../shared/errors.js';
import type { BatchId, CampaignId, CodeId } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';
import { MAX_CODES_PER_BATCH, type CodeBatch, type IssuedCode } from './batch.js';
import { encodeClaimCode } from './claim-code.js';

export interface IssueBatchInput {
  readonly campaignId: CampaignId;
  readonly event: string;
  readonly count: number;
  readonly useLimit: number;
  readonly expiresAt: number;
}

/** The text of a stored code, re-signed deterministically from its row. */
export const codeText = (d: Pick<CoreDeps, 'signer'>, c: IssuedCode): string =>
  encodeClaimCode(
    { keyId: c.keyId, campaignId: c.campaignId, batchId: c.batchId, codeId: c.id, useLimit: c.useLimit, expiresAt: c.expiresAt, nonce: c.nonce },
    d.signer,
  );

/**
 * Issues a batch of N signed codes for one offline event. Only a campaign that is not ended can
 * get codes, and codes cannot outlive the campaign. `onProgress` is called as codes are generated.
 */
export async function issueCodeBatch(
  d: CoreDeps,
  input: IssueBatchInput,
  actor: Actor,
  onProgress?: (done: number, total: number) => void,
): Promise<Result<CodeBatch, AppError>> {
  const campaign = await d.store.campaigns.get(input.campaignId);
  if (!campaign) return err(appError('NOT_FOUND', `campaign ${input.campaignId} not found`));
  if (campaign.state === 'ended') return err(appError('INVALID_STATE', 'cannot issue codes for an ended campaign'));
  if (!Number.isSafeInteger(input.count) || input.count < 1 || input.count > MAX_CODES_PER_BATCH)
    return err(appError('VALIDATION_FAILED', `count must be 1..${MAX_CODES_PER_BATCH}`));
  if (!Number.isSafeInteger(input.useLimit) || input.useLimit < 1) return err(appError('VALIDATION_FAILED', 'useLimit must be a positive integer'));
  if (input.event.trim().length === 0) return err(appError('VALIDATION_FAILED', 'event must name the offline event'));
  const now = d.clock.now();
  if (input.expiresAt <= now) return err(appError('VALIDATION_FAILED', 'expiresAt must be in the future'));
  // Codes must not outlive the campaign's claim window: that is how they stay bound to the event.
  const expiresAt = Math.min(input.expiresAt, campaign.endsAt);
  // Expiry is carried in whole seconds inside the code.
  const expiresSec = Math.floor(expiresAt / 1000) * 1000;
  const batch: CodeBatch = {
    id: d.ids.next<BatchId>('batch'),
    campaignId: campaign.id,
    event: input.event,
    count: input.count,
    useLimit: input.useLimit,
    expiresAt: expiresSec,
    createdAt: now,
    createdBy: actor,
    revokedAt: null,
  };
  const codes: IssuedCode[] = [];
  const step = Math.max(1, Math.floor(input.count / 100));
  for (let i = 0; i < input.count; i++) {
    codes.push({
      id: d.ids.next<CodeId>('code'),
      batchId: batch.id,
      campaignId: campaign.id,
      useLimit: input.useLimit,
      uses: 0,
      expiresAt: expiresSec,
      keyId: d.signer.keyId,
      nonce: d.ids.random(12),
    });
    if (onProgress && (i + 1) % step === 0) onProgress(i + 1, input.count);
  }
  await d.store.codes.createBatch(batch, codes, {
    actor,
    action: 'codes.issue',
    target: batch.id,
    details: { campaignId: campaign.id, event: input.event, count: input.count, useLimit: input.useLimit, expiresAt: expiresSec },
  });
  onProgress?.(input.count, input.count);
  return ok(batch);
}

export async function revokeCodeBatch(d: CoreDeps, id: BatchId, actor: Actor, note?: string): Promise<Result<CodeBatch, AppError>> {
  const r = await d.store.codes.revokeBatch(id, d.clock.now(), { actor, action: 'codes.revoke', target: id, details: note ? { note } : {} });
  if (!r.batch) return err(appError('NOT_FOUND', `batch ${id} not found`));
  return ok(r.batch);
}
