/**
 * In-process risk decisions per second: the engine alone (record the attempt, read the counters,
 * evaluate the rules) on a stream of distinct claims, with the default policy and with a 50-rule
 * policy. Baseline in the same run: the same loop with the pass-through policy.
 *
 *   npx tsx bench/decisions.ts [--n 200000]
 */
import os from 'node:os';
import { MemoryCounters } from '../src/adapters/memory/counters.js';
import { celCompiler } from '../src/adapters/cel/compiler.js';
import type { Campaign } from '../src/core/campaigns/campaign.js';
import type { AccountId } from '../src/core/shared/ids.js';
import { passThroughPolicy, type ClaimPolicyInput, type Policy } from '../src/core/claims/policy.js';
import { DEFAULT_POLICY } from '../src/core/risk/default-policy.js';
import { activePolicy, RiskEngine } from '../src/core/risk/engine.js';
import type { PolicyDoc, Rule } from '../src/core/risk/policy-doc.js';

const N = Number(process.argv[process.argv.indexOf('--n') + 1] || 200_000);
const T0 = Date.parse('2019-01-20T00:00:00Z');

const campaign = {
  id: 'cmp_01HZZZZZZZZZZZZZZZZZZZZZZZ',
  name: 'bench',
  template: { discount: { kind: 'fixed', amountFen: 500 } },
  special: false,
  channels: ['app'],
  requireCode: false,
  requireVerifiedIdentity: false,
  startsAt: T0 - 1,
  endsAt: T0 + 86_400_000,
  budget: { count: 1e9, moneyFen: 1e10 },
  limits: { perIdentity: 1, perAccount: 1 },
  restoreOnCancel: true,
  state: 'active',
  createdAt: T0,
  updatedAt: T0,
} as unknown as Campaign;

function input(i: number): ClaimPolicyInput {
  return {
    at: T0 + i * 2,
    campaign,
    channel: 'app',
    account: {
      id: `acct-${i}` as AccountId,
      createdAt: T0 - 86_400_000 * (1 + (i % 700)),
      phone: `13${(i * 7919) % 10}${String((i * 104729) % 1e8).padStart(8, '0')}`,
      deviceId: `dev-${i % 50_000}`,
      ip: `${10 + (i % 200)}.${(i >> 8) & 255}.${i & 255}.${(i * 31) & 255}`,
      identityHashes: [`h${i}`],
      identityVerified: true,
    },
    code: null,
    challengePassed: false,
  };
}

/** 50 rules: the default ones plus variations over velocity, links and account signals. */
function fiftyRules(): PolicyDoc {
  const extra: Rule[] = [];
  const fields = ['device_claims_10m', 'ip_claims_1m', 'ip24_claims_1h', 'segment_claims_10m', 'identity_claims_24h', 'account_claims_1h', 'device_accounts_1h', 'ip_accounts_1h', 'ip24_denials_1h', 'campaign_claims_1m'];
  for (let i = 0; extra.length + DEFAULT_POLICY.rules.length < 50; i++) {
    const f = fields[i % fields.length]!;
    extra.push({ id: `extra-${i}`, appliesTo: 'claim', when: `velocity.${f} >= ${20 + i}.0 && account.age_hours < ${100 + i}.0`, action: 'allow', score: 5, reason: `EXTRA_${i}`, description: 'bench rule' });
  }
  return { thresholds: DEFAULT_POLICY.thresholds, rules: [...DEFAULT_POLICY.rules, ...extra] };
}

function engineFor(doc: PolicyDoc): RiskEngine {
  const compiler = celCompiler();
  const live = activePolicy({ version: 1, doc, status: 'live', createdAt: T0, createdBy: 'bench', note: '' }, (r) => compiler.compile(r));
  return new RiskEngine({ counters: new MemoryCounters(), account: async () => null, lists: () => [], live: () => live, shadow: () => null });
}

async function run(label: string, policy: Policy): Promise<number> {
  for (let i = 0; i < 5_000; i++) await policy.evaluateClaim(input(i + 10_000_000));
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const v = await policy.evaluateClaim(input(i));
    policy.claimCommitted?.(input(i), v.action);
  }
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  const rate = N / s;
  console.log(`${label.padEnd(34)} ${Math.round(rate).toLocaleString('en').padStart(10)} decisions/s  ${((s / N) * 1e6).toFixed(2)} µs each`);
  return rate;
}

/** The rules alone: the compiled policy over a fixed, realistic signal set (no counters). */
function rulesOnly(label: string, doc: PolicyDoc): number {
  const compiled = celCompiler().compile(doc.rules.filter((r) => r.appliesTo === 'claim'));
  const signals = {
    claim: { channel: 'app', has_code: false, challenge_passed: false },
    campaign: { id: campaign.id, special: false, locked: false, face_value_fen: 500 },
    account: { known: true, age_hours: 900, verified: true, has_identity: true, purchases: 4, purchase_fen: 30_000, logins: 12 },
    links: { identity_accounts: 1, phone_accounts: 1, device_accounts: 2, ip_accounts: 3, ip24_accounts: 9 },
    phone: { present: true, carrier: 'china_mobile', virtual: false, iot: false, segment_run: 1 },
    velocity: Object.fromEntries(
      ['segment_accounts_10m', 'device_accounts_24h', 'device_claims_1m', 'ip_accounts_10m', 'ip24_accounts_10m', 'device_denials_1h', 'ip_denials_1h', 'code_accounts_1h', 'device_claims_10m', 'ip_claims_1m', 'ip24_claims_1h', 'segment_claims_10m', 'identity_claims_24h', 'account_claims_1h', 'device_accounts_1h', 'ip_accounts_1h', 'ip24_denials_1h', 'campaign_claims_1m'].map((k, i) => [k, i % 4]),
    ),
  };
  let fired = 0;
  for (let i = 0; i < 20_000; i++) fired += compiled.fired(signals).length;
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fired += compiled.fired(signals).length;
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(`${label.padEnd(34)} ${Math.round(N / s).toLocaleString('en').padStart(10)} evaluations/s  ${((s / N) * 1e6).toFixed(2)} µs each (${fired > 0 ? 'some rules fire' : 'no rule fires'})`);
  return N / s;
}

const cpu = os.cpus()[0]?.model ?? 'unknown';
console.log(`machine: ${cpu}, ${os.cpus().length} cores, node ${process.version}; one core (this process), ${N.toLocaleString('en')} distinct claims`);
const base = await run('baseline: pass-through policy', passThroughPolicy);
const def = await run(`default policy (${DEFAULT_POLICY.rules.filter((r) => r.appliesTo === 'claim').length} claim rules)`, engineFor(DEFAULT_POLICY));
const fifty = fiftyRules();
const big = await run(`50-rule policy (${fifty.rules.filter((r) => r.appliesTo === 'claim').length} claim rules)`, engineFor(fifty));
const rules50 = rulesOnly('rules only, 50-rule policy', fifty);
rulesOnly('rules only, default policy', DEFAULT_POLICY);
console.log(`ratio to baseline: default ${(def / base).toFixed(3)}, 50 rules ${(big / base).toFixed(3)}`);
console.log(`target ≥ 100,000/s with 50 rules: whole decision ${big >= 100_000 ? 'met' : 'NOT met'} (${Math.round(big).toLocaleString('en')}/s); rule evaluation ${rules50 >= 100_000 ? 'met' : 'NOT met'} (${Math.round(rules50).toLocaleString('en')}/s)`);
