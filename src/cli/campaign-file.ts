import type { CampaignInput } from '../core/campaigns/campaign.js';
import { campaignCreateBody } from '../http/schemas.js';
import { ms } from '../http/views.js';
import { readJsonFile } from './json-file.js';

/** The body of POST /v1/campaigns: the same shape, ISO times instead of epoch ms. */
type CampaignBody = Omit<CampaignInput, 'startsAt' | 'endsAt'> & { startsAt: string; endsAt: string };

/** Reads and validates a campaign file; the use case then checks the cross-field rules. */
export async function readCampaignFile(path: string): Promise<CampaignInput> {
  const b = await readJsonFile<CampaignBody>(path, campaignCreateBody);
  return { ...b, startsAt: ms(b.startsAt), endsAt: ms(b.endsAt) };
}
