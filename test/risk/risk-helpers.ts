import { ManualClock } from '../../src/adapters/node/clock.js';
import { loadConfig } from '../../src/app/config.js';
import { compose, type Composed } from '../../src/app/compose.js';
import type { CampaignInput } from '../../src/core/campaigns/campaign.js';
import { createCampaign } from '../../src/core/campaigns/use-cases.js';
import { claimCoupon, type ClaimRequest } from '../../src/core/claims/claim-coupon.js';
import { campaignInput, T0, uniqueResidentId } from '../helpers.js';
import { seededRandom } from '../../src/core/shared/random.js';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import { createApiKey } from '../../src/core/keys.js';
import type { Role } from '../../src/ports/store.js';

export interface RiskSystem extends Composed {
  clock: ManualClock;
}

/** A system with the risk engine on (default policy), on an in-memory store. */
export async function riskSystem(dbPath = ':memory:'): Promise<RiskSystem> {
  const clock = new ManualClock(T0);
  const s = compose(loadConfig({}, { dbPath, synchronous: 'NORMAL' }), { clock, risk: true });
  await s.risk!.ready;
  return { ...s, clock };
}

export async function campaign(s: Composed, over: Partial<CampaignInput> = {}) {
  const r = await createCampaign(s.deps, campaignInput({ budget: { count: 100_000, moneyFen: 100_000 * 10_000 }, ...over }), 'test');
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

let n = 0;
export async function claim(s: Composed, req: ClaimRequest) {
  const r = await claimCoupon(s.deps, req, { scope: 'risk-test', idempotencyKey: `rk-${n++}` });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A deterministic pseudo-random generator, so crafted traffic is the same every run. */
export const rng = seededRandom;

const CARRIER_PREFIXES = ['134', '135', '136', '137', '138', '139', '150', '151', '158', '159', '182', '187', '188', '130', '131', '155', '186', '133', '153', '177', '180', '189', '199'];

/** A legitimate-looking random mobile number (no virtual or IoT ranges). */
export function randomPhone(r: () => number): string {
  const p = CARRIER_PREFIXES[Math.floor(r() * CARRIER_PREFIXES.length)]!;
  return p + String(Math.floor(r() * 1e8)).padStart(8, '0');
}

export const idNumber = uniqueResidentId;

export interface RiskHttpSystem extends RiskSystem {
  app: FastifyInstance;
  keys: Record<Role, string>;
  auth(role: Role): { authorization: string };
}

/** The same with the HTTP app and a key per role. */
export async function riskHttpSystem(app_: Omit<AppOptions, 'risk'> = {}): Promise<RiskHttpSystem> {
  const s = await riskSystem();
  const app = await buildApp(s.deps, { ...app_, risk: s.risk });
  const keys = {} as Record<Role, string>;
  for (const role of ['client', 'operator', 'analyst', 'auditor', 'admin'] as const) keys[role] = (await createApiKey(s.deps, role, role, 'test')).key;
  return {
    ...s,
    app,
    keys,
    auth: (role) => ({ authorization: `Bearer ${keys[role]}` }),
    close: async () => {
      await app.close();
      await s.close();
    },
  };
}
