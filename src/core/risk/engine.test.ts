import { describe, expect, it } from 'vitest';
import { MemoryCounters } from '../../adapters/memory/counters.js';
import { celCompiler } from '../../adapters/cel/compiler.js';
import type { Campaign } from '../campaigns/campaign.js';
import type { ClaimPolicyInput, PolicyVerdict } from '../claims/policy.js';
import type { AccountId } from '../shared/ids.js';
import { DEFAULT_POLICY } from './default-policy.js';
import { activePolicy, RiskEngine, type RiskSources } from './engine.js';

const T0 = Date.parse('2019-01-20T00:00:00Z');
const campaign = { id: 'cmp_1', template: { discount: { kind: 'fixed', amountFen: 500 } }, special: false, channels: ['app'] } as unknown as Campaign;
const compiler = celCompiler();
const live = activePolicy({ version: 3, doc: DEFAULT_POLICY, status: 'live', createdAt: T0, createdBy: 't', note: '' }, (r) => compiler.compile(r));
const engine = (account: RiskSources['account']) =>
  new RiskEngine({ counters: new MemoryCounters(), account, lists: () => [], live: () => live, shadow: () => null });

/** A small crowd on shared devices and networks, some without a device or a phone. */
function claimOf(i: number): ClaimPolicyInput {
  return {
    at: T0 + i * 7_000,
    campaign,
    channel: 'app',
    account: {
      id: `acct-${i % 23}` as AccountId,
      createdAt: T0 - 3_600_000 * (i % 50),
      phone: i % 5 === 0 ? null : `1700123${String(100 + (i % 17)).padStart(4, '0')}`,
      deviceId: i % 4 === 0 ? null : `dev-${i % 3}`,
      ip: `10.0.${i % 2}.${i % 9}`,
      identityHashes: [`h${i % 11}`],
      identityVerified: i % 2 === 0,
    },
    code: null,
    challengePassed: false,
  };
}

describe('RiskEngine', () => {
  it('decides the same with an account source that answers at once or by promise; at once, without a promise', async () => {
    const sync = engine(() => null);
    const async = engine(async () => null);
    for (let i = 0; i < 300; i++) {
      const c = claimOf(i);
      const a = sync.evaluateClaim(c);
      expect(a).not.toBeInstanceOf(Promise);
      const b = async.evaluateClaim(c);
      expect(b).toBeInstanceOf(Promise);
      expect(a).toEqual(await b);
      sync.claimCommitted(c, (a as PolicyVerdict).action);
      async.claimCommitted(c, (a as PolicyVerdict).action);
    }
  });

  it('stores a velocity read only when the claim had a key for its entity', () => {
    const e = engine(() => null);
    const withDevice = e.evaluateClaim(claimOf(1)) as PolicyVerdict;
    const without = e.evaluateClaim(claimOf(4)) as PolicyVerdict;
    expect(withDevice.signals['velocity.device_claims_1m']).toBe(1);
    expect(without.signals).not.toHaveProperty('velocity.device_claims_1m');
    expect(without.signals).toHaveProperty('velocity.ip_accounts_10m');
    expect(Object.keys(without.signals).at(-1)).toBe('score');
  });
});
