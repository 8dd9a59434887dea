/**
 * In-process risk decisions per second: the engine alone (record the attempt, read the counters,
 * evaluate the rules, record the outcome) on a stream of distinct claims, with the default policy
 * and with a 50-rule policy. Baseline in the same run: the same loop with the pass-through policy.
 * Each round starts from empty counters; the warm-up (JIT) claims are not timed. Then the retained
 * memory of the counters after N claims, and again after a week and N more claims (pruning).
 *
 *   npx tsx bench/decisions.ts [--n 200000] [--rounds 3] [--only 50]
 *
 * `--only 50` runs the 50-rule policy alone (for profiles: `node --cpu-prof --import tsx …`).
 */
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { MemoryCounters } from '../src/adapters/memory/counters.js';
import { celCompiler } from '../src/adapters/cel/compiler.js';
import type { Campaign } from '../src/core/campaigns/campaign.js';
import type { AccountId } from '../src/core/shared/ids.js';
import { passThroughPolicy, type ClaimPolicyInput, type Policy } from '../src/core/claims/policy.js';
import { DEFAULT_POLICY } from '../src/core/risk/default-policy.js';
import { activePolicy, RiskEngine } from '../src/core/risk/engine.js';
import { recordBuilder } from '../src/core/risk/signal-shapes.js';
import type { PolicyDoc, Rule } from '../src/core/risk/policy-doc.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--n', 200_000);
const ROUNDS = arg('--rounds', 3);
const ONLY_50 = arg('--only', 0) === 50;
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const load = () => `load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`;
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

/** Claim i: a distinct account, identity and phone; devices shared by 4 accounts, IPs mostly distinct. */
function input(i: number, t0 = T0): ClaimPolicyInput {
  return {
    at: t0 + i * 2,
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

/**
 * The engine on fresh in-memory counters. Accounts are unknown (null); `async` makes the account
 * source answer with a promise, as a store does, instead of at once, as a cache does.
 */
function engineFor(doc: PolicyDoc, counters = new MemoryCounters(), async = false): RiskEngine {
  const compiler = celCompiler();
  const live = activePolicy({ version: 1, doc, status: 'live', createdAt: T0, createdBy: 'bench', note: '' }, (r) => compiler.compile(r));
  const account = async ? async () => null : () => null;
  return new RiskEngine({ counters, account, lists: () => [], live: () => live, shadow: () => null });
}

/** N distinct claims through a policy, each input built once (as the claim path does). */
async function claims(policy: Policy, from: number, n: number, t0 = T0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const c = input(i, t0);
    const v = await policy.evaluateClaim(c);
    policy.claimCommitted?.(c, v.action);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * Rounds of N claims, each on a fresh policy (empty counters) after an untimed warm-up. Reports
 * the median wall-clock rate and the median rate per CPU-second the process used (all its threads,
 * GC helpers included): on a shared machine the wall clock also counts time the process waited
 * for a core, the CPU figure does not.
 */
async function run(label: string, make: () => Policy): Promise<{ wall: number; cpu: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const policy = make();
    await claims(policy, 50_000_000 + r * 10_000, 5_000, T0 - 3_600_000);
    gc();
    const c0 = process.cpuUsage();
    const t = process.hrtime.bigint();
    await claims(policy, r * 10_000_000, N);
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    const c = process.cpuUsage(c0);
    wall.push(N / s);
    cpu.push(N / ((c.user + c.system) / 1e6));
  }
  const rate = median(wall);
  const fmt = (x: number) => Math.round(x).toLocaleString('en');
  console.log(
    `${label.padEnd(34)} ${fmt(rate).padStart(10)} decisions/s  ${(1e6 / rate).toFixed(2)} µs each; per CPU-second ${fmt(median(cpu))}  (rounds: ${wall.map(fmt).join(', ')} /s wall; ${cpu.map(fmt).join(', ')} /CPU-s; ${load()})`,
  );
  return { wall: rate, cpu: median(cpu) };
}

/**
 * Heap plus external memory (array buffers: the counters' typed arrays) after full collections.
 * V8 frees released array buffers on a background thread, so collect, wait, collect again.
 */
const retained = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 100));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

/** Bytes the counters keep per claim (each claim a new account), and after a week of idling plus N more. */
async function memory(doc: PolicyDoc): Promise<void> {
  const base = await retained();
  let counters: MemoryCounters | null = new MemoryCounters();
  const policy = engineFor(doc, counters);
  await claims(policy, 0, N);
  const after = await retained();
  await claims(policy, 20_000_000, N, T0 + 8 * 86_400_000);
  const week = await retained();
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(`memory after ${N.toLocaleString('en')} claims: ${mb(after - base)} = ${Math.round((after - base) / N)} bytes per claim (distinct account)`);
  console.log(`memory 8 days later, after ${N.toLocaleString('en')} more: ${mb(week - base)} (what the first day left behind is pruned when this stays near the line above)`);
  counters = null;
}

const VELOCITY_READ = ['segment_accounts_10m', 'device_accounts_24h', 'device_claims_1m', 'ip_accounts_10m', 'ip24_accounts_10m', 'device_denials_1h', 'ip_denials_1h', 'code_accounts_1h', 'device_claims_10m', 'ip_claims_1m', 'ip24_claims_1h', 'segment_claims_10m', 'identity_claims_24h', 'account_claims_1h', 'device_accounts_1h', 'ip_accounts_1h', 'ip24_denials_1h', 'campaign_claims_1m'];

/**
 * The rules alone: the compiled policy over a fixed, realistic signal set (no counters), shaped as
 * the engine shapes it (every group present, the velocity group one object literal).
 */
function rulesOnly(label: string, doc: PolicyDoc): number {
  const compiled = celCompiler().compile(doc.rules.filter((r) => r.appliesTo === 'claim'));
  const signals = {
    claim: { channel: 'app', has_code: false, challenge_passed: false },
    // Every signal the engine supplies, so the rules see what they see inside a decision.
    campaign: {
      id: campaign.id, special: false, locked: false, face_value_fen: 500, no_threshold: true,
      thin_claims_1h: 0, thin_share_1h: 0, thin_share_24h_all: 0.1, cashout_redemptions_24h: 0, cashout_share_24h: 0, shared_target_redemptions_24h: 0,
    },
    account: {
      known: true, age_hours: 900, verified: true, has_identity: true, purchases: 4, purchase_fen: 30_000, logins: 12,
      ring_member: false, ring_score: 0, ring_linked: false, identity_fresh: false, thin: false,
    },
    links: { identity_accounts: 1, phone_accounts: 1, device_accounts: 2, ip_accounts: 3, ip24_accounts: 9 },
    phone: { present: true, carrier: 'china_mobile', virtual: false, iot: false, segment_run: 1 },
    velocity: recordBuilder(VELOCITY_READ)(VELOCITY_READ.map((_, i) => i % 4)),
    order: {},
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
console.log(`machine: ${cpu}, ${os.cpus().length} cores, node ${process.version}; one core (this process), ${N.toLocaleString('en')} distinct claims per round, ${ROUNDS} rounds; ${load()}`);
const fifty = fiftyRules();
const label50 = `50-rule policy (${fifty.rules.filter((r) => r.appliesTo === 'claim').length} claim rules)`;
if (ONLY_50) {
  await run(label50, () => engineFor(fifty));
  process.exit(0);
}
const base = await run('baseline: pass-through policy', () => passThroughPolicy);
const def = await run(`default policy (${DEFAULT_POLICY.rules.filter((r) => r.appliesTo === 'claim').length} claim rules)`, () => engineFor(DEFAULT_POLICY));
const big = await run(label50, () => engineFor(fifty));
await run('50-rule policy, account via promise', () => engineFor(fifty, new MemoryCounters(), true));
const rules50 = rulesOnly('rules only, 50-rule policy', fifty);
rulesOnly('rules only, default policy', DEFAULT_POLICY);
console.log(`ratio to baseline (wall): default ${(def.wall / base.wall).toFixed(3)}, 50 rules ${(big.wall / base.wall).toFixed(3)}`);
await memory(fifty);
const verdict = (x: number) => `${x >= 100_000 ? 'met' : 'NOT met'} (${Math.round(x).toLocaleString('en')}/s)`;
console.log(`target ≥ 100,000/s with 50 rules, whole decision: per CPU-second ${verdict(big.cpu)}, wall clock ${verdict(big.wall)}; rule evaluation ${verdict(rules50)}; ${load()}`);
