import type { BatchId, CampaignId, CodeId } from '../shared/ids.js';

/** A batch of codes printed for one offline event. Revoking it kills every code in it at once. */
export interface CodeBatch {
  readonly id: BatchId;
  readonly campaignId: CampaignId;
  /** The event the batch is for, e.g. "TV recording 2019-01-19". */
  readonly event: string;
  readonly count: number;
  readonly useLimit: number;
  readonly expiresAt: number;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly revokedAt: number | null;
}

/** A stored code: enough to re-render its text and to count its uses. */
export interface IssuedCode {
  readonly id: CodeId;
  readonly batchId: BatchId;
  readonly campaignId: CampaignId;
  readonly useLimit: number;
  readonly uses: number;
  readonly expiresAt: number;
  readonly keyId: string;
  readonly nonce: string;
}

export const MAX_CODES_PER_BATCH = 1_000_000;
