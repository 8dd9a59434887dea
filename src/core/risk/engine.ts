import type { AccountRecord } from '../accounts/account.js';
import { isChannelLocked } from '../campaigns/campaign.js';
import { faceValue } from '../campaigns/template.js';
import type { ClaimPolicyInput, Decision, OrderPolicyInput, Policy, PolicyVerdict, RuleHit, ShadowVerdict } from '../claims/policy.js';
import type { Reason } from '../claims/reasons.js';
import type { AttemptEvent, Counters, Link, Snapshot, SnapshotRequest, VelocityKeys, VelocitySpec } from '../../ports/counters.js';
import type { CompiledRules } from '../../ports/rules.js';
import type { RingSignals } from '../../ports/rings.js';
import { matchLists, type ListEntry, type ListProbe } from './lists.js';
import { phoneFacts } from './phone.js';
import { claimantFacts, claimPopulationKeys, NO_POPULATION, orderPopulationKeys, populationSignals, readPopulation, readsPopulation } from './population.js';
import { actionForScore, moreSevere, type PolicyVersion, type Rule } from './policy-doc.js';
import { recordBuilder, storedBuilder, type StoredRef } from './signal-shapes.js';
import { network, parseVelocityName, referencedSignals, type SignalValue, type SignalValues } from './signals.js';

/** A policy version ready to evaluate, with the velocity reads its rules need. */
export interface ActivePolicy {
  readonly version: PolicyVersion;
  readonly claim: CompiledRules;
  readonly order: CompiledRules;
  /** Every `group.name` its rules read. */
  readonly reads: readonly string[];
}

type MaybePromise<T> = T | Promise<T>;

export interface RiskSources {
  readonly counters: Counters;
  /** The account as events described it; a source with the record at hand answers without a promise. */
  readonly account: (id: string) => MaybePromise<AccountRecord | null>;
  /** Live lists, cached by the caller. */
  readonly lists: () => readonly ListEntry[];
  readonly live: () => ActivePolicy;
  readonly shadow: () => ActivePolicy | null;
  /** Ring membership (ring detection's current run); without it the `account.ring_*` signals read false and 0. */
  readonly rings?: RingSignals;
}

const NO_RING = { member: false, score: 0, linked: false };
/** How long a campaign's population reads are reused (see RiskEngine.population). */
export const POPULATION_TTL_MS = 1_000;
type Ring = typeof NO_RING;

const isPromise = <T>(x: MaybePromise<T>): x is Promise<T> => typeof (x as { then?: unknown } | null)?.then === 'function';

export function activePolicy(version: PolicyVersion, compile: (rules: readonly Rule[]) => CompiledRules): ActivePolicy {
  const rules = version.doc.rules;
  return {
    version,
    claim: compile(rules.filter((r) => r.appliesTo === 'claim')),
    order: compile(rules.filter((r) => r.appliesTo === 'order')),
    reads: [...new Set(rules.flatMap((r) => referencedSignals(r.when)))],
  };
}

const versionLabel = (p: ActivePolicy) => `policy@${p.version.version}`;

/** Applies a policy to signals: fired rules, summed score, the most severe action. */
export function decide(p: ActivePolicy, rules: CompiledRules, signals: SignalValues, challengePassed: boolean) {
  const fired = rules.fired(signals);
  const score = fired.reduce((s, r) => s + r.score, 0);
  let action: Decision = actionForScore(score, p.version.doc.thresholds);
  for (const r of fired) action = moreSevere(action, r.action);
  // A client that answered the challenge for this very request is not challenged again.
  if (challengePassed && action === 'challenge') action = 'allow';
  const hits: RuleHit[] = fired.map((r) => ({ ruleId: r.id, score: r.score, action: r.action }));
  const reasons: Reason[] = fired.map((r) => ({ code: r.reason, message: r.description }));
  return { action, hits, reasons, score };
}

/** What the live and shadow policies read, parsed once per pair of versions (not per decision). */
interface Reads {
  readonly refs: readonly string[];
  /** The velocity reads, the same array for every decision (a counters adapter may plan on it). */
  readonly velocity: readonly VelocitySpec[];
  /** The `velocity` group: every name the policies read, 0 where the decision has no key for the entity. */
  readonly velocityGroup: (values: readonly number[]) => Record<string, number>;
  /**
   * The decision's stored signals (invariant 6): what the policies read, except velocity reads
   * whose entity the decision had no key for (no device id, say) and signals not computed for
   * this kind of decision.
   */
  readonly stored: (signals: SignalValues, keys: VelocityKeys, velocity: readonly number[]) => Record<string, SignalValue>;
  readonly ring: boolean;
  /** Whether the policies read the campaign's population signals (population.ts): seven more reads per claim. */
  readonly population: boolean;
}

function parseReads(refs: readonly string[]): Reads {
  const velocity: VelocitySpec[] = [];
  const names: string[] = [];
  const stored = refs.map((ref): StoredRef => {
    const [group, name] = ref.split('.') as [string, string];
    const v = group === 'velocity' ? parseVelocityName(name) : null;
    if (!v) return { ref, group, name };
    velocity.push(v);
    names.push(name);
    return { ref, velocity: velocity.length - 1, entity: v.entity };
  });
  return { refs, velocity, velocityGroup: recordBuilder(names), stored: storedBuilder(stored), ring: refs.some((r) => r.startsWith('account.ring_')), population: readsPopulation(refs) };
}

function accountSignals(a: AccountRecord | null, createdAt: number | null, at: number, verified: boolean, hasIdentity: boolean, ring: Ring) {
  const created = createdAt ?? a?.registeredAt ?? null;
  return {
    known: a !== null && (a.registeredAt !== null || a.logins > 0 || a.purchases > 0),
    age_hours: created === null ? -1 : Math.max(0, (at - created) / 3_600_000),
    verified: verified || (a?.identityVerified ?? false),
    has_identity: hasIdentity || (a?.identityHash ?? null) !== null,
    purchases: a?.purchases ?? 0,
    purchase_fen: a?.purchaseFen ?? 0,
    logins: a?.logins ?? 0,
    ring_member: ring.member,
    ring_score: ring.score,
    ring_linked: ring.linked,
  };
}

/** Per link kind of a claim, the most accounts any of its values is linked to. */
function linkSignals(links: readonly Link[], counts: readonly number[]) {
  const out = { identity_accounts: 0, phone_accounts: 0, device_accounts: 0, ip_accounts: 0, ip24_accounts: 0 };
  for (let i = 0; i < links.length; i++) {
    const n = counts[i]!;
    switch (links[i]!.kind) {
      case 'identity':
        if (n > out.identity_accounts) out.identity_accounts = n;
        break;
      case 'phone':
        if (n > out.phone_accounts) out.phone_accounts = n;
        break;
      case 'device':
        if (n > out.device_accounts) out.device_accounts = n;
        break;
      case 'ip':
        if (n > out.ip_accounts) out.ip_accounts = n;
        break;
      case 'ip24':
        if (n > out.ip24_accounts) out.ip24_accounts = n;
        break;
      case 'target':
        break;
    }
  }
  return out;
}

/** The velocity keys of a claim (one object shape for every claim). */
function claimKeys(input: ClaimPolicyInput, ip24: string | null): VelocityKeys {
  const a = input.account;
  return {
    account: a.id,
    device: a.deviceId || null,
    ip: a.ip || null,
    ip24,
    segment: a.phone ? a.phone.slice(0, 7) : null,
    identity: a.identityHashes[0] || null,
    code: input.code?.codeId || null,
    campaign: input.campaign.id,
    target: null,
  };
}

/** What a claim is counted under: its velocity keys, its links and its phone. */
function attemptOf(input: ClaimPolicyInput): AttemptEvent {
  const { account: a, campaign, at } = input;
  const ip24 = a.ip ? network(a.ip) : null;
  const links: Link[] = [];
  for (const h of a.identityHashes) links.push({ kind: 'identity', value: h });
  if (a.phone) links.push({ kind: 'phone', value: a.phone });
  if (a.deviceId) links.push({ kind: 'device', value: a.deviceId });
  if (a.ip) links.push({ kind: 'ip', value: a.ip }, { kind: 'ip24', value: ip24! });
  const phone = a.phone ? { scope: campaign.id, phone: a.phone } : null;
  return { at, accountId: a.id, keys: claimKeys(input, ip24), links, phone };
}

/**
 * The risk engine: the `Policy` the claim and order paths call. Per decision it records the
 * attempt in the live counters, reads one snapshot, evaluates the live policy (and the shadow
 * one, recorded only), and consults block/allow lists first.
 */
export class RiskEngine implements Policy {
  constructor(private readonly src: RiskSources) {}

  private memo: { live: ActivePolicy; shadow: ActivePolicy | null; reads: Reads } | null = null;

  private reads(): Reads {
    const live = this.src.live();
    const shadow = this.src.shadow();
    if (this.memo?.live !== live || this.memo.shadow !== shadow)
      this.memo = { live, shadow, reads: parseReads([...new Set([...live.reads, ...(shadow?.reads ?? [])])]) };
    return this.memo.reads;
  }

  /**
   * A campaign's population counters (seven reads), kept for POPULATION_TTL_MS of decision time:
   * shares over an hour or a day do not move with one claim, and the reads would otherwise be a
   * third of a decision's counter work. Keyed on the decisions' own clock, so a backtest replaying
   * the same claims reads the same values.
   */
  /** The population keys a claim adds to, per campaign (built once, not per claim). */
  private readonly populationKeyCache = new Map<string, { plain: readonly string[]; thin: readonly string[] }>();

  private populationKeys(campaignId: string, thin: boolean): readonly string[] {
    let k = this.populationKeyCache.get(campaignId);
    if (!k) {
      if (this.populationKeyCache.size > 10_000) this.populationKeyCache.clear();
      k = { plain: claimPopulationKeys(campaignId, false), thin: claimPopulationKeys(campaignId, true) };
      this.populationKeyCache.set(campaignId, k);
    }
    return thin ? k.thin : k.plain;
  }

  private readonly populationCache = new Map<string, { at: number; values: readonly number[] }>();

  private population(at: number, campaignId: string): readonly number[] | Promise<readonly number[]> {
    const hit = this.populationCache.get(campaignId);
    if (hit && at >= hit.at && at < hit.at + POPULATION_TTL_MS) return hit.values;
    const v = readPopulation(this.src.counters, at, campaignId);
    const keep = (values: readonly number[]) => {
      if (this.populationCache.size > 10_000) this.populationCache.clear();
      this.populationCache.set(campaignId, { at, values });
      return values;
    };
    return isPromise(v) ? v.then(keep) : keep(v);
  }

  /** Counts a claim attempt in the live counters without deciding (the start-up warm-up). */
  recordAttempt(input: ClaimPolicyInput): void {
    this.src.counters.recordAttempt(attemptOf(input));
  }

  /**
   * Counts the attempt and reads the counters in one call, then decides. Without a promise when
   * the counters and the account source answer at once (in memory), so a decision costs no
   * microtask.
   */
  evaluateClaim(input: ClaimPolicyInput): PolicyVerdict | Promise<PolicyVerdict> {
    const a = input.account;
    const attempt = attemptOf(input);
    const reads = this.reads();
    const req: SnapshotRequest = { at: input.at, keys: attempt.keys, velocity: reads.velocity, links: attempt.links, phoneRun: attempt.phone };
    const snap = this.src.counters.snapshot(req, attempt);
    const pop = reads.population ? this.population(input.at, input.campaign.id) : NO_POPULATION;
    const record = this.src.account(a.id);
    const ring = this.src.rings && reads.ring ? this.src.rings.lookup({ accountId: a.id, phone: a.phone, deviceId: a.deviceId, identityHashes: a.identityHashes }) : NO_RING;
    if (isPromise(snap) || isPromise(ring) || isPromise(pop))
      return Promise.all([snap, record, ring, pop]).then(([s, r, g, p]) => this.claimVerdict(input, attempt, reads, s, r, g, p));
    // In-memory counters, account from the store: one promise, not three.
    if (isPromise(record)) return record.then((r) => this.claimVerdict(input, attempt, reads, snap, r, ring, pop));
    return this.claimVerdict(input, attempt, reads, snap, record, ring, pop);
  }

  private claimVerdict(
    input: ClaimPolicyInput,
    attempt: AttemptEvent,
    reads: Reads,
    snap: Snapshot,
    record: AccountRecord | null,
    ring: Ring,
    pop: readonly number[],
  ): PolicyVerdict {
    const { account: a, campaign, at } = input;
    const facts = a.phone ? phoneFacts(a.phone) : null;
    const acct = accountSignals(record, a.createdAt, at, a.identityVerified, a.identityHashes.length > 0, ring);
    const claimant = claimantFacts(record, a.identityHashes, acct.age_hours);
    // Population counters: this claim is counted once decided, so the shares describe the others.
    this.recordPopulation(at, a.id, campaign.id, claimant.thin);
    const p = populationSignals(pop);
    const signals: SignalValues = {
      claim: { channel: input.channel, has_code: input.code !== null, challenge_passed: input.challengePassed },
      campaign: {
        id: campaign.id,
        special: campaign.special,
        locked: isChannelLocked(campaign),
        face_value_fen: faceValue(campaign.template.discount),
        no_threshold: campaign.template.discount.kind === 'fixed',
        thin_claims_1h: p.thin_claims_1h,
        thin_share_1h: p.thin_share_1h,
        thin_share_24h_all: p.thin_share_24h_all,
        cashout_redemptions_24h: p.cashout_redemptions_24h,
        cashout_share_24h: p.cashout_share_24h,
        shared_target_redemptions_24h: p.shared_target_redemptions_24h,
      },
      // Written out (not spread) so that every decision's signal objects share one shape.
      account: {
        known: acct.known,
        age_hours: acct.age_hours,
        verified: acct.verified,
        has_identity: acct.has_identity,
        purchases: acct.purchases,
        purchase_fen: acct.purchase_fen,
        logins: acct.logins,
        ring_member: acct.ring_member,
        ring_score: acct.ring_score,
        ring_linked: acct.ring_linked,
        identity_fresh: claimant.identity_fresh,
        thin: claimant.thin,
      },
      links: linkSignals(attempt.links, snap.links),
      phone: { present: facts !== null, carrier: facts?.carrier ?? '', virtual: facts?.virtual ?? false, iot: facts?.iot ?? false, segment_run: snap.phoneRun },
      velocity: reads.velocityGroup(snap.velocity),
      // Every group present, so the rule compiler need not copy the signals to add an empty one.
      order: {},
    };
    const lists = this.src.lists();
    const probe = (): ListProbe => ({ accountId: a.id, deviceId: a.deviceId, ip: a.ip, phone: a.phone, identityHashes: a.identityHashes, targets: [] });
    return this.verdict(signals, reads.stored(signals, attempt.keys, snap.velocity), lists, probe, at, input.challengePassed, 'claim');
  }

  async evaluateOrder(input: OrderPolicyInput): Promise<PolicyVerdict> {
    const { at } = input;
    const targets = [...new Set(input.items.flatMap((i) => (i.topupTarget ? [i.topupTarget] : [])))];
    const ip24 = input.ip ? network(input.ip) : null;
    // Velocity per target is read for the first target; the link count covers them all.
    const keys: VelocityKeys = { account: input.accountId, device: input.deviceId || null, ip: input.ip || null, ip24, target: targets[0] ?? null };
    const links = targets.map((t) => ({ kind: 'target' as const, value: t }));
    this.recordTargets(at, input.accountId, targets);
    const reads = this.reads();
    const req: SnapshotRequest = { at, keys, velocity: reads.velocity, links, phoneRun: null };
    const rings = this.src.rings && reads.ring ? this.src.rings.lookup({ accountId: input.accountId, phone: null, deviceId: input.deviceId, identityHashes: [], targets }) : NO_RING;
    const [snap, record, ring] = await Promise.all([this.src.counters.snapshot(req), this.src.account(input.accountId), rings]);
    const cashoutFen = input.items.filter((i) => i.category === 'virtual_topup' || i.category === 'game_currency' || i.category === 'gift_card').reduce((s, i) => s + i.amountFen, 0);
    const firstGrant = Math.min(...input.coupons.map((c) => c.grantedAt));
    this.recordOrderPopulation(at, input.accountId, input.coupons.map((c) => c.campaign.id), cashoutFen, input, snap.links);
    const signals: SignalValues = {
      account: accountSignals(record, null, at, false, false, ring),
      links: { target_accounts: Math.max(0, ...snap.links) },
      velocity: reads.velocityGroup(snap.velocity),
      order: {
        total_fen: input.totalFen,
        discount_fen: input.discountFen,
        coupon_ratio: input.totalFen > 0 ? input.discountFen / input.totalFen : 0,
        cashout: cashoutFen > 0,
        cashout_fen: cashoutFen,
        has_target: targets.length > 0,
        target_accounts: Math.max(0, ...snap.links),
        seconds_since_claim: input.coupons.length ? (at - firstGrant) / 1000 : -1,
        special_coupon: input.coupons.some((c) => c.campaign.special || isChannelLocked(c.campaign)),
      },
    };
    const probe = (): ListProbe => ({ accountId: input.accountId, deviceId: input.deviceId, ip: input.ip, phone: null, identityHashes: [], targets });
    return this.verdict(signals, reads.stored(signals, keys, snap.velocity), this.src.lists(), probe, at, false, 'order');
  }

  private recordPopulation(at: number, accountId: string, campaignId: string, thin: boolean): void {
    const popKeys = this.populationKeys(campaignId, thin);
    for (let i = 0; i < popKeys.length; i++) this.src.counters.recordAttempt({ at, accountId, keys: { campaign: popKeys[i]! }, links: [], phone: null });
  }

  /**
   * A recorded claim counted again as deciding it counted it — its attempt, its campaign's
   * population (whether the claimant was thin, from the account record given: the record as it is
   * now, when warming up after a restart) and its outcome — without deciding anything. This is how
   * a restart gets its velocity and population counters back.
   */
  replayClaim(input: ClaimPolicyInput, decision: Decision, record: AccountRecord | null): void {
    this.recordAttempt(input);
    const a = input.account;
    const ageHours = accountSignals(record, a.createdAt, input.at, a.identityVerified, a.identityHashes.length > 0, NO_RING).age_hours;
    this.recordPopulation(input.at, a.id, input.campaign.id, claimantFacts(record, a.identityHashes, ageHours).thin);
    this.claimCommitted(input, decision);
  }

  private recordTargets(at: number, accountId: string, targets: readonly string[]): void {
    for (const t of targets) this.src.counters.recordAttempt({ at, accountId, keys: { target: t }, links: [{ kind: 'target', value: t }], phone: null });
  }

  private recordOrderPopulation(at: number, accountId: string, campaignIds: readonly string[], cashoutFen: number, o: { totalFen: number; discountFen: number }, targetLinks: readonly number[]): void {
    const popKeys = orderPopulationKeys(campaignIds, { cashout: cashoutFen > 0, couponRatio: o.totalFen > 0 ? o.discountFen / o.totalFen : 0, targetAccounts: Math.max(0, ...targetLinks) });
    for (const key of popKeys) this.src.counters.recordAttempt({ at, accountId, keys: { campaign: key }, links: [], phone: null });
  }

  /**
   * A recorded order counted again as deciding it counted it — its top-up targets' links, and its
   * campaigns' redemptions, full-value cash-outs and shared targets — without deciding anything
   * (warm-up after a restart). Only orders that kept their coupons can be: a rejected order
   * stores none.
   */
  replayOrder(o: { readonly at: number; readonly accountId: string; readonly items: OrderPolicyInput['items']; readonly campaignIds: readonly string[]; readonly totalFen: number; readonly discountFen: number }): void | Promise<void> {
    const targets = [...new Set(o.items.flatMap((i) => (i.topupTarget ? [i.topupTarget] : [])))];
    this.recordTargets(o.at, o.accountId, targets);
    const cashoutFen = o.items.filter((i) => i.category === 'virtual_topup' || i.category === 'game_currency' || i.category === 'gift_card').reduce((s, i) => s + i.amountFen, 0);
    const snap = this.src.counters.snapshot({ at: o.at, keys: {}, velocity: [], links: targets.map((t) => ({ kind: 'target' as const, value: t })), phoneRun: null });
    const record = (links: readonly number[]) => this.recordOrderPopulation(o.at, o.accountId, o.campaignIds, cashoutFen, o, links);
    return isPromise(snap) ? snap.then((s) => record(s.links)) : record(snap.links);
  }

  claimCommitted(input: ClaimPolicyInput, decision: Decision): void {
    if (decision !== 'allow' && decision !== 'hold' && decision !== 'deny') return;
    const ip = input.account.ip;
    this.src.counters.recordOutcome(input.at, claimKeys(input, ip ? network(ip) : null), decision === 'deny' ? 'deny' : 'grant');
  }

  private verdict(
    signals: SignalValues,
    stored: Record<string, SignalValue>,
    lists: readonly ListEntry[],
    probe: () => ListProbe,
    at: number,
    challengePassed: boolean,
    kind: 'claim' | 'order',
  ): PolicyVerdict {
    const live = this.src.live();
    const shadowPolicy = this.src.shadow();
    const shadow: ShadowVerdict | undefined = shadowPolicy
      ? (() => {
          const d = decide(shadowPolicy, shadowPolicy[kind], signals, challengePassed);
          return { policyVersion: versionLabel(shadowPolicy), action: d.action, rules: d.hits };
        })()
      : undefined;
    const listed = lists.length ? matchLists(lists, probe(), at)[0] : undefined;
    if (listed) {
      const code = listed.list === 'block' ? 'LIST_BLOCKED' : 'LIST_ALLOWED';
      stored['list.entry'] = listed.id;
      return {
        action: listed.list === 'block' ? 'deny' : 'allow',
        reasons: [{ code, message: `${listed.kind} is on the ${listed.list} list: ${listed.reason}` }],
        policyVersion: versionLabel(live),
        rules: [],
        signals: stored,
        ...(shadow ? { shadow } : {}),
      };
    }
    const d = decide(live, live[kind], signals, challengePassed);
    stored.score = d.score;
    return {
      action: d.action,
      reasons: d.reasons.length ? d.reasons : [{ code: 'POLICY_PASS', message: 'No risk rule objected' }],
      policyVersion: versionLabel(live),
      rules: d.hits,
      signals: stored,
      ...(shadow ? { shadow } : {}),
    };
  }
}
