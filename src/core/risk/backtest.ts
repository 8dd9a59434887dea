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

/** One recorded claim as the backtest saw it: null when no policy decided it (platform denials). */
export interface BacktestOutcome {
  readonly recorded: Decision;
  readonly backtest: Decision;
  readonly rules: readonly string[];
}

/**
 * The backtest's state machine: account history, identity links and velocity counters rebuilt from
 * recorded claims fed in commit order. `decide` runs the policy on a claim and records it;
 * `warm` only records it (what a resumed job does for the claims before its checkpoint, so that
 * the counters are exactly what they were when it stopped).
 */
export class BacktestReplay {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly links = new Map<string, Set<string>>();
  private readonly campaigns = new Map<string, Campaign | null>();
  private readonly engine: RiskEngine;
  private nextEvent = 0;

  constructor(
    private readonly policy: ActivePolicy,
    counters: Counters,
    /** Account events of the period, sorted by time. */
    private readonly events: readonly AccountEvent[],
    private readonly campaign: (id: string) => Promise<Campaign | null>,
  ) {
    this.engine = new RiskEngine({
      counters,
      account: async (id) => this.accounts.get(id) ?? null,
      lists: () => [],
      live: () => policy,
      shadow: () => null,
    });
  }

  get policyVersion(): string {
    return `policy@${this.policy.version.version}`;
  }

  /** Runs the policy on `c` (when a policy decided it), then records it. */
  decide(c: ClaimRecord): Promise<BacktestOutcome | null> {
    return this.feed(c, true);
  }

  /** Records `c` without deciding it. */
  async warm(c: ClaimRecord): Promise<void> {
    await this.feed(c, false);
  }

  private async feed(c: ClaimRecord, decide: boolean): Promise<BacktestOutcome | null> {
    while (this.nextEvent < this.events.length && this.events[this.nextEvent]!.at <= c.at) {
      const e = this.events[this.nextEvent++]!;
      this.accounts.set(e.accountId, applyAccountEvent(this.accounts.get(e.accountId) ?? null, e));
      this.link(e.accountId, e.identityHash);
    }
    let outcome: BacktestOutcome | null = null;
    if (c.policyVersion !== PLATFORM) {
      if (!this.campaigns.has(c.campaignId)) this.campaigns.set(c.campaignId, await this.campaign(c.campaignId));
      const campaign = this.campaigns.get(c.campaignId);
      if (campaign) {
        const linked = [...(this.links.get(c.accountId) ?? [])].sort();
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
        if (decide) {
          const v = await this.engine.evaluateClaim(policyInput);
          outcome = { recorded: policyDecision(c), backtest: v.action, rules: v.rules.map((r) => r.ruleId) };
          this.engine.claimCommitted(policyInput, c.decision);
        } else {
          // Counted exactly as deciding it would have: attempt, population (with the account as
          // the replay knows it at this claim), outcome.
          this.engine.replayClaim(policyInput, c.decision, this.accounts.get(c.accountId) ?? null);
        }
      }
    }
    this.accounts.set(c.accountId, applyClaimToAccount(this.accounts.get(c.accountId) ?? null, c));
    this.link(c.accountId, c.identityHash);
    return outcome;
  }

  private link(account: string, hash: string | null): void {
    if (!hash) return;
    let set = this.links.get(account);
    if (!set) this.links.set(account, (set = new Set()));
    set.add(hash);
  }
}

/**
 * Replays recorded claims, in order, through a policy with fresh counters, and compares its
 * decisions with the recorded ones. Decisions are compared at the policy level: a claim the store
 * denied for budget or limits after the policy allowed it counts as the policy's allow.
 *
 * Deterministic when the recorded run was sequential; under concurrency the live counters also saw
 * attempts still in flight, which the replay orders strictly.
 */
export async function backtest(input: BacktestInput): Promise<BacktestReport> {
  const events: AccountEvent[] = [];
  for await (const e of input.events) events.push(e);
  events.sort((a, b) => a.at - b.at);
  const replay = new BacktestReplay(input.policy, input.counters, events, input.campaign);
  const matrix: Record<string, Record<string, number>> = {};
  const changes: BacktestChange[] = [];
  let claims = 0;
  let evaluated = 0;
  let same = 0;
  for await (const c of input.claims) {
    claims++;
    const v = await replay.decide(c);
    if (v) {
      evaluated++;
      (matrix[v.recorded] ??= {})[v.backtest] = (matrix[v.recorded]?.[v.backtest] ?? 0) + 1;
      if (v.recorded === v.backtest) same++;
      else if (changes.length < 200) changes.push({ claimId: c.id, at: c.at, recorded: v.recorded, backtest: v.backtest, rules: v.rules });
    }
    if (claims % 1000 === 0) input.onProgress?.(claims);
  }
  input.onProgress?.(claims);
  return { policyVersion: replay.policyVersion, claims, evaluated, same, different: evaluated - same, matrix, changes };
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

