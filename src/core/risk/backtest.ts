import type { AccountEvent, AccountRecord } from '../accounts/account.js';
import { applyAccountEvent, applyClaimToAccount } from '../accounts/apply.js';
import type { Campaign } from '../campaigns/campaign.js';
import type { ClaimRecord } from '../claims/claim.js';
import type { ClaimPolicyInput, Decision } from '../claims/policy.js';
import type { CodePayload } from '../codes/claim-code.js';
import type { Counters } from '../../ports/counters.js';
import { RiskEngine, type ActivePolicy } from './engine.js';
import { moreSevere } from './policy-doc.js';

export interface BacktestInput {
  /** Recorded claims in commit order. */
  readonly claims: AsyncIterable<ClaimRecord>;
  /** Account events of the same period. */
  readonly events: AsyncIterable<AccountEvent>;
  readonly campaign: (id: string) => Promise<Campaign | null>;
  readonly policy: ActivePolicy;
  /** Fresh, empty counters: the backtest rebuilds velocity from the recorded claims alone. */
  readonly counters: Counters;
  readonly onProgress?: (done: number) => void;
}

export interface BacktestChange {
  readonly claimId: string;
  readonly at: number;
  readonly recorded: Decision;
  readonly backtest: Decision;
  readonly rules: readonly string[];
}

export interface BacktestReport {
  readonly policyVersion: string;
  readonly claims: number;
  /** Claims the policy decided (platform denials such as a forged code never reach a policy). */
  readonly evaluated: number;
  readonly same: number;
  readonly different: number;
  /** recorded decision → backtest decision → count */
  readonly matrix: Record<string, Record<string, number>>;
  /** The first differences, for review. */
  readonly changes: readonly BacktestChange[];
}

const PLATFORM = 'platform@1';

/**
 * Replays recorded claims, in order, through a policy with fresh counters, and compares its
 * decisions with the recorded ones. Decisions are compared at the policy level: a claim the store
 * denied for budget or limits after the policy allowed it counts as the policy's allow.
 *
 * Deterministic when the recorded run was sequential; under concurrency the live counters also saw
 * attempts still in flight, which the replay orders strictly.
 */
export async function backtest(input: BacktestInput): Promise<BacktestReport> {
  const accounts = new Map<string, AccountRecord>();
  const links = new Map<string, Set<string>>();
  const engine = new RiskEngine({
    counters: input.counters,
    account: async (id) => accounts.get(id) ?? null,
    lists: () => [],
    live: () => input.policy,
    shadow: () => null,
  });
  const events: AccountEvent[] = [];
  for await (const e of input.events) events.push(e);
  events.sort((a, b) => a.at - b.at);
  let nextEvent = 0;
  const campaigns = new Map<string, Campaign | null>();
  const link = (account: string, hash: string | null) => {
    if (!hash) return;
    let set = links.get(account);
    if (!set) links.set(account, (set = new Set()));
    set.add(hash);
  };

  const matrix: Record<string, Record<string, number>> = {};
  const changes: BacktestChange[] = [];
  let claims = 0;
  let evaluated = 0;
  let same = 0;
  for await (const c of input.claims) {
    claims++;
    while (nextEvent < events.length && events[nextEvent]!.at <= c.at) {
      const e = events[nextEvent++]!;
      accounts.set(e.accountId, applyAccountEvent(accounts.get(e.accountId) ?? null, e));
      link(e.accountId, e.identityHash);
    }
    if (c.policyVersion !== PLATFORM) {
      if (!campaigns.has(c.campaignId)) campaigns.set(c.campaignId, await input.campaign(c.campaignId));
      const campaign = campaigns.get(c.campaignId);
      if (campaign) {
        const linked = [...(links.get(c.accountId) ?? [])].sort();
        const policyInput: ClaimPolicyInput = {
          at: c.at,
          campaign,
          channel: c.channel,
          account: {
            id: c.accountId,
            createdAt: c.accountCreatedAt,
            phone: c.phone,
            deviceId: c.deviceId,
            ip: c.ip,
            identityHashes: [...new Set([...(c.identityHash ? [c.identityHash] : []), ...linked])],
            identityVerified: c.identityVerified,
          },
          code: c.codeId ? ({ codeId: c.codeId, batchId: c.batchId, campaignId: c.campaignId } as CodePayload) : null,
          challengePassed: c.reasons.some((r) => r.code === 'CHALLENGE_PASSED'),
        };
        const v = await engine.evaluateClaim(policyInput);
        const recorded = policyDecision(c);
        evaluated++;
        (matrix[recorded] ??= {})[v.action] = (matrix[recorded]?.[v.action] ?? 0) + 1;
        if (recorded === v.action) same++;
        else if (changes.length < 200) changes.push({ claimId: c.id, at: c.at, recorded, backtest: v.action, rules: v.rules.map((r) => r.ruleId) });
        engine.claimCommitted(policyInput, c.decision);
      }
    }
    accounts.set(c.accountId, applyClaimToAccount(accounts.get(c.accountId) ?? null, c));
    link(c.accountId, c.identityHash);
    if (claims % 1000 === 0) input.onProgress?.(claims);
  }
  input.onProgress?.(claims);
  return { policyVersion: `policy@${input.policy.version.version}`, claims, evaluated, same, different: evaluated - same, matrix, changes };
}

/** What the policy itself decided for a recorded claim (before any denial at commit). */
export function policyDecision(c: ClaimRecord): Decision {
  if (c.decision !== 'deny') return c.decision;
  const first = c.reasons[0]?.code ?? '';
  const atCommit = /^(BUDGET_|ACCOUNT_LIMIT|IDENTITY_LIMIT|PHONE_LIMIT|CODE_USED_UP|CODE_REVOKED|CODE_FORGED|CAMPAIGN_|CHALLENGE_)/.test(first);
  if (!atCommit) return 'deny';
  // Denied at commit: the policy's verdict is the most severe of its fired rules, else allow.
  return c.rules.reduce<Decision>((m, r) => moreSevere(m, r.action), 'allow');
}

/** Live versus shadow decisions over recorded claims. */
export interface ShadowReport {
  readonly shadowVersion: string | null;
  readonly claims: number;
  readonly matrix: Record<string, Record<string, number>>;
  readonly agree: number;
  readonly disagree: number;
  readonly examples: readonly { claimId: string; live: Decision; shadow: Decision; shadowRules: readonly string[] }[];
}

export async function shadowReport(claims: AsyncIterable<ClaimRecord>): Promise<ShadowReport> {
  const matrix: Record<string, Record<string, number>> = {};
  const examples: ShadowReport['examples'][number][] = [];
  let n = 0;
  let agree = 0;
  let version: string | null = null;
  for await (const c of claims) {
    if (!c.shadow) continue;
    n++;
    version = c.shadow.policyVersion;
    const live = policyDecision(c);
    (matrix[live] ??= {})[c.shadow.action] = (matrix[live]?.[c.shadow.action] ?? 0) + 1;
    if (live === c.shadow.action) agree++;
    else if (examples.length < 100) examples.push({ claimId: c.id, live, shadow: c.shadow.action, shadowRules: c.shadow.rules.map((r) => r.ruleId) });
  }
  return { shadowVersion: version, claims: n, matrix, agree, disagree: n - agree, examples };
}

