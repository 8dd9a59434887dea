import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../src/adapters/node/clock.js';
import { loadConfig } from '../src/app/config.js';
import { compose, type Composed } from '../src/app/compose.js';
import type { CampaignInput } from '../src/core/campaigns/campaign.js';
import { createCampaign } from '../src/core/campaigns/use-cases.js';
import { createApiKey } from '../src/core/keys.js';
import { makeResidentId } from '../src/core/identity/resident-id.js';
import { buildApp } from '../src/http/app.js';
import type { Role } from '../src/ports/store.js';

export const T0 = Date.parse('2019-01-19T12:00:00Z');
export const HOUR = 3_600_000;

export interface TestSystem extends Composed {
  clock: ManualClock;
  app: FastifyInstance;
  keys: Record<Role, string>;
  shutdown(): Promise<void>;
}

/** A whole system on an in-memory (or given) SQLite file, with a manual clock and a key per role. */
export async function testSystem(opts: { dbPath?: string; clock?: ManualClock } = {}): Promise<TestSystem> {
  const clock = opts.clock ?? new ManualClock(T0);
  // The platform's own rules under test, without the risk engine (its suites turn it on).
  const composed = compose(loadConfig({}, { dbPath: opts.dbPath ?? ':memory:', synchronous: 'NORMAL' }), { clock, risk: false });
  const app = await buildApp(composed.deps);
  const keys = {} as Record<Role, string>;
  for (const role of ['client', 'operator', 'analyst', 'auditor', 'admin'] as const)
    keys[role] = (await createApiKey(composed.deps, role, `test ${role}`, 'test')).key;
  return {
    ...composed,
    clock,
    app,
    keys,
    shutdown: async () => {
      await app.close();
      await composed.close();
    },
  };
}

export function campaignInput(over: Partial<CampaignInput> = {}): CampaignInput {
  return {
    name: 'test campaign',
    template: { discount: { kind: 'fixed', amountFen: 10_000 } },
    special: false,
    channels: ['app', 'web', 'mini_program', 'api'],
    requireCode: false,
    requireVerifiedIdentity: false,
    startsAt: T0 - HOUR,
    endsAt: T0 + 48 * HOUR,
    budget: { count: 1_000, moneyFen: 1_000 * 10_000 },
    limits: { perIdentity: 1, perAccount: 1 },
    restoreOnCancel: true,
    state: 'active',
    ...over,
  };
}

/** The offline-event coupon of the incident: ¥100, no threshold, locked to the event. */
export const lockedCampaignInput = (over: Partial<CampaignInput> = {}): CampaignInput =>
  campaignInput({ name: 'TV guests ¥100', special: true, channels: ['offline_event'], ...over });

export async function makeCampaign(s: Composed, over: Partial<CampaignInput> = {}) {
  const r = await createCampaign(s.deps, campaignInput(over), 'test');
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A valid resident id distinct for every i below ~18 million (1,000 per birth day from 1950). */
export function uniqueResidentId(i: number): string {
  const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(i / 1000) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  return makeResidentId('110105', birth, i % 1000);
}

let seq = 0;
/** A distinct plausible account context each call. */
export function account(i = seq++) {
  return {
    id: `acct-${i}`,
    phone: `139${String(10_000_000 + (i % 89_999_999)).padStart(8, '0')}`,
    deviceId: `dev-${i}`,
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    identity: { number: uniqueResidentId(i), verified: true },
  };
}
