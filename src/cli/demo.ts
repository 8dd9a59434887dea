import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Composed } from '../app/compose.js';
import type { CampaignInput } from '../core/campaigns/campaign.js';
import { createCampaign } from '../core/campaigns/use-cases.js';
import { codeText, issueCodeBatch } from '../core/codes/use-cases.js';
import type { Actor } from '../core/deps.js';
import { makeResidentId } from '../core/identity/resident-id.js';
import { createApiKey } from '../core/keys.js';
import type { BatchId, CampaignId } from '../core/shared/ids.js';
import { unwrap } from './context.js';

const DAY = 86_400_000;

/** What `serve --demo` leaves in `demo-keys.json` beside the database (mode 600). */
export interface DemoInfo {
  readonly keys: { readonly admin: string; readonly operator: string; readonly client: string };
  /** The incident's ¥100 offline-event campaign and its batch of event codes. */
  readonly specialCampaignId: CampaignId;
  readonly eventBatchId: BatchId;
}

export const demoFile = (dbPath: string): string => join(dirname(dbPath), 'demo-keys.json');

const everyday = (
  now: number,
  over: Partial<CampaignInput> & Pick<CampaignInput, 'name' | 'template'>,
): CampaignInput => ({
  special: false,
  channels: ['app', 'web', 'mini_program'],
  requireCode: false,
  requireVerifiedIdentity: false,
  startsAt: now - 3_600_000,
  endsAt: now + 30 * DAY,
  budget: { count: 10_000, moneyFen: 10_000 * 2_000 },
  limits: { perIdentity: 1, perAccount: 1 },
  restoreOnCancel: true,
  state: 'active',
  ...over,
});

/**
 * Seeds demo data through the use cases, only into a database without campaigns (so re-running
 * `serve --demo` changes nothing). Returns the new info, or null when there was data already.
 */
export async function seedDemo(s: Composed, actor: Actor): Promise<DemoInfo | null> {
  const d = s.deps;
  if ((await d.store.campaigns.list({ limit: 1 })).items.length > 0) return null;
  const now = d.clock.now();
  const key = async (role: 'admin' | 'operator' | 'client') =>
    (await createApiKey(d, role, `demo ${role}`, actor)).key;
  const keys = { admin: await key('admin'), operator: await key('operator'), client: await key('client') };

  const campaigns: CampaignInput[] = [
    everyday(now, {
      name: 'Spring festival ¥5 off ¥50',
      template: { discount: { kind: 'threshold', thresholdFen: 5_000, amountFen: 500 } },
    }),
    everyday(now, {
      name: '10% off, up to ¥20',
      template: { discount: { kind: 'percent', percent: 10, capFen: 2_000 } },
    }),
    everyday(now, {
      name: 'App-only ¥3',
      channels: ['app'],
      template: { discount: { kind: 'fixed', amountFen: 300 } },
      budget: { count: 50_000, moneyFen: 50_000 * 300 },
    }),
  ];
  for (const c of campaigns) unwrap(await createCampaign(d, c, actor));

  // The incident's coupon: ¥100, no threshold, only at the event, one per verified identity.
  const special = unwrap(
    await createCampaign(
      d,
      everyday(now, {
        name: 'TV recording guests ¥100',
        template: { discount: { kind: 'fixed', amountFen: 10_000 } },
        special: true,
        channels: ['offline_event'],
        requireVerifiedIdentity: true,
        endsAt: now + 7 * DAY,
        budget: { count: 20, moneyFen: 20 * 10_000 },
      }),
      actor,
    ),
  );
  const batch = unwrap(
    await issueCodeBatch(
      d,
      { campaignId: special.id, event: 'TV recording', count: 20, useLimit: 1, expiresAt: now + 2 * DAY },
      actor,
    ),
  );
  const info: DemoInfo = { keys, specialCampaignId: special.id, eventBatchId: batch.id };
  const file = demoFile(s.config.dbPath);
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // the mode above only applies when the file is new
  return info;
}

export function readDemoInfo(dbPath: string): DemoInfo | null {
  const file = demoFile(dbPath);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoInfo;
  } catch {
    return null;
  }
}

/** A ready-to-paste claim of one event code through the HTTP API. */
export async function sampleClaim(s: Composed, info: DemoInfo, baseUrl: string): Promise<string | null> {
  const first = (await s.deps.store.codes.listCodes(info.eventBatchId, { limit: 1 })).items[0];
  if (!first) return null;
  const body = {
    campaignId: info.specialCampaignId,
    channel: 'offline_event',
    code: codeText(s.deps, first),
    account: {
      id: 'guest-1',
      phone: '13800138000',
      identity: { number: makeResidentId('110105', '19900101', 1), verified: true },
    },
  };
  return [
    `curl -s ${baseUrl}/v1/claims \\`,
    `  -H 'Authorization: Bearer ${info.keys.client}' \\`,
    `  -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-claim-1' \\`,
    `  -d '${JSON.stringify(body)}'`,
  ].join('\n');
}
