import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { CampaignInput } from '../core/campaigns/campaign.js';
import { campaignCreateBody } from '../http/schemas.js';
import { ms } from '../http/views.js';
import { strictDateTime } from '../http/formats.js';
import { CliError } from './context.js';

/** The body of POST /v1/campaigns: the same shape, ISO times instead of epoch ms. */
type CampaignBody = Omit<CampaignInput, 'startsAt' | 'endsAt'> & { startsAt: string; endsAt: string };

let validator: ValidateFunction | undefined;

/** Compiled once, with the options the HTTP app gives Fastify's Ajv, so a file is accepted exactly when the body would be. */
function validate(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({
      coerceTypes: false,
      removeAdditional: false,
      useDefaults: true,
      allErrors: false,
      keywords: ['example'],
    });
    addFormats.default(ajv);
    strictDateTime(ajv);
    validator = ajv.compile(campaignCreateBody);
  }
  return validator;
}

const describe = (e: ErrorObject): string => {
  const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
  return `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}${extra}`;
};

/** Reads and validates a campaign file; the use case then checks the cross-field rules. */
export async function readCampaignFile(path: string): Promise<CampaignInput> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  const check = validate();
  if (!check(body))
    throw new CliError(`${path}: ${(check.errors ?? []).map(describe).join('; ')} (VALIDATION_FAILED)`);
  const b = body as CampaignBody;
  return { ...b, startsAt: ms(b.startsAt), endsAt: ms(b.endsAt) };
}
