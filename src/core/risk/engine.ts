import type { AccountRecord } from '../accounts/account.js';
import { isChannelLocked } from '../campaigns/campaign.js';
import { faceValue } from '../campaigns/template.js';
import type { ClaimPolicyInput, Decision, OrderPolicyInput, Policy, PolicyVerdict, RuleHit, ShadowVerdict } from '../claims/policy.js';
import type { Reason } from '../claims/reasons.js';
import type { AttemptEvent, Counters, LinkKind, SnapshotRequest, VelocityEntity, VelocityRead } from '../../ports/counters.js';
import type { CompiledRules } from '../../ports/rules.js';
import type { RingSignals } from '../../ports/rings.js';
import { matchLists, type ListEntry, type ListProbe } from './lists.js';
import { phoneFacts } from './phone.js';
import { claimantFacts, claimPopulationKeys, orderPopulationKeys, populationReads, populationSignals, readsPopulation } from './population.js';
import { actionForScore, moreSevere, type PolicyVersion, type Rule } from './policy-doc.js';
import { network, parseVelocityName, referencedSignals, type SignalValues } from './signals.js';

/** A policy version ready to evaluate, with the velocity reads its rules need. */
export interface ActivePolicy {
  readonly version: PolicyVersion;
  readonly claim: CompiledRules;
  readonly order: CompiledRules;
  /** Every `group.name` its rules read. */
  readonly reads: readonly string[];
}

export interface RiskSources {
  readonly counters: Counters;
  readonly account: (id: string) => Promise<AccountRecord | null>;
  /** Live lists, cached by the caller. */
  readonly lists: () => readonly ListEntry[];
  readonly live: () => ActivePolicy;
  readonly shadow: () => ActivePolicy | null;
  /** Ring membership (ring detection's current run); without it the `account.ring_*` signals read false and 0. */
  readonly rings?: RingSignals;
}

const NO_RING = { member: false, score: 0, linked: false };
const readsRing = (reads: { readonly refs: readonly string[] }) => reads.refs.some((r) => r.startsWith('account.ring_'));
const ringSignals = (r: typeof NO_RING) => ({ ring_member: r.member, ring_score: r.score, ring_linked: r.linked });

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
  readonly velocity: readonly Omit<VelocityRead, 'key'>[];
  readonly pairs: readonly (readonly [group: keyof SignalValues, name: string, ref: string])[];
}

function parseReads(refs: readonly string[]): Reads {
  const velocity = refs.flatMap((ref) => {
    const v = ref.startsWith('velocity.') ? parseVelocityName(ref.slice('velocity.'.length)) : null;
    return v ? [v] : [];
  });
  const pairs = refs.map((ref) => {
    const [g, n] = ref.split('.') as [keyof SignalValues, string];
    return [g, n, ref] as const;
  });
  return { refs, velocity, pairs };
}

const velocityReads = (reads: Reads, keys: ReadonlyMap<VelocityEntity, string>): VelocityRead[] => {
  const out: VelocityRead[] = [];
  for (const v of reads.velocity) {
    const key = keys.get(v.entity);
    if (key) out.push({ ...v, key });
  }
  return out;
};

/** Flattens what the policies read into the decision's stored signals (invariant 6). */
function flatten(signals: SignalValues, reads: Reads): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [g, n, ref] of reads.pairs) {
    const v = signals[g]?.[n];
    if (v !== undefined) out[ref] = v;
  }
  return out;
}

function accountSignals(a: AccountRecord | null, createdAt: number | null, at: number, verified: boolean, hasIdentity: boolean) {
  const created = createdAt ?? a?.registeredAt ?? null;
  return {
    known: a !== null && (a.registeredAt !== null || a.logins > 0 || a.purchases > 0),
    age_hours: created === null ? -1 : Math.max(0, (at - created) / 3_600_000),
    verified: verified || (a?.identityVerified ?? false),
    has_identity: hasIdentity || (a?.identityHash ?? null) !== null,
    purchases: a?.purchases ?? 0,
    purchase_fen: a?.purchaseFen ?? 0,
    logins: a?.logins ?? 0,
  };
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

  /** Counts a claim attempt in the live counters (the decision reads them right after). */
  recordAttempt(input: ClaimPolicyInput): { keys: Map<VelocityEntity, string>; links: { kind: LinkKind; value: string }[]; phone: AttemptEvent['phone'] } {
    const { account: a, campaign, at } = input;
    const keys = new Map<VelocityEntity, string>([['account', a.id], ['campaign', campaign.id]]);
    if (a.deviceId) keys.set('device', a.deviceId);
    if (a.ip) keys.set('ip', a.ip).set('ip24', network(a.ip));
    if (a.phone) keys.set('segment', a.phone.slice(0, 7));
    if (a.identityHashes[0]) keys.set('identity', a.identityHashes[0]);
    if (input.code) keys.set('code', input.code.codeId);
    const links: { kind: LinkKind; value: string }[] = [];
    for (const h of a.identityHashes) links.push({ kind: 'identity', value: h });
    if (a.phone) links.push({ kind: 'phone', value: a.phone });
    if (a.deviceId) links.push({ kind: 'device', value: a.deviceId });
    if (a.ip) links.push({ kind: 'ip', value: a.ip }, { kind: 'ip24', value: network(a.ip) });
    const phone = a.phone ? { scope: campaign.id, phone: a.phone } : null;
    this.src.counters.recordAttempt({ at, accountId: a.id, keys: [...keys].map(([entity, key]) => ({ entity, key })), links, phone });
    return { keys, links, phone };
  }

  async evaluateClaim(input: ClaimPolicyInput): Promise<PolicyVerdict> {
    const { account: a, campaign, at } = input;
    const { keys, links, phone } = this.recordAttempt(input);

    const reads = this.reads();
    const own = velocityReads(reads, keys);
    const pop = readsPopulation(reads.refs) ? populationReads(campaign.id) : [];
    const req: SnapshotRequest = { at, velocity: [...own, ...pop], links, phoneRun: phone };
    const rings = this.src.rings && readsRing(reads) ? this.src.rings.lookup({ accountId: a.id, phone: a.phone, deviceId: a.deviceId, identityHashes: a.identityHashes }) : NO_RING;
    const [snap, record, ring] = await Promise.all([this.src.counters.snapshot(req), this.src.account(a.id), rings]);
    const linkMax = (k: LinkKind) => Math.max(0, ...req.links.map((l, i) => (l.kind === k ? snap.links[i]! : 0)));
    const facts = a.phone ? phoneFacts(a.phone) : null;
    const acct = accountSignals(record, a.createdAt, at, a.identityVerified, a.identityHashes.length > 0);
    const claimant = claimantFacts(record, a.identityHashes, acct.age_hours);
    // Population counters: this claim is counted once decided, so the shares describe the others.
    this.src.counters.recordAttempt({ at, accountId: a.id, keys: claimPopulationKeys(campaign.id, claimant.thin), links: [], phone: null });
    const signals: SignalValues = {
      claim: { channel: input.channel, has_code: input.code !== null, challenge_passed: input.challengePassed },
      campaign: {
        id: campaign.id, special: campaign.special, locked: isChannelLocked(campaign), face_value_fen: faceValue(campaign.template.discount),
        no_threshold: campaign.template.discount.kind === 'fixed', ...populationSignals(snap.velocity.slice(own.length)),
      },
      account: { ...acct, ...claimant, ...ringSignals(ring) },
      links: Object.fromEntries((['identity', 'phone', 'device', 'ip', 'ip24'] as const).map((k) => [`${k}_accounts`, linkMax(k)])),
      phone: { present: facts !== null, carrier: facts?.carrier ?? '', virtual: facts?.virtual ?? false, iot: facts?.iot ?? false, segment_run: snap.phoneRun },
      velocity: Object.fromEntries(own.map((r, i) => [`${r.entity}_${r.metric}_${r.window}`, snap.velocity[i]!])),
    };
    const probe: ListProbe = { accountId: a.id, deviceId: a.deviceId, ip: a.ip, phone: a.phone, identityHashes: a.identityHashes, targets: [] };
    return this.verdict(signals, reads, probe, at, input.challengePassed, 'claim');
  }

  async evaluateOrder(input: OrderPolicyInput): Promise<PolicyVerdict> {
    const { at } = input;
    const targets = [...new Set(input.items.flatMap((i) => (i.topupTarget ? [i.topupTarget] : [])))];
    const keys = new Map<VelocityEntity, string>([['account', input.accountId]]);
    if (input.deviceId) keys.set('device', input.deviceId);
    if (input.ip) keys.set('ip', input.ip).set('ip24', network(input.ip));
    // Velocity per target is read for the first target; the link count covers them all.
    if (targets[0]) keys.set('target', targets[0]);
    const links = targets.map((t) => ({ kind: 'target' as const, value: t }));
    const event: AttemptEvent = {
      at,
      accountId: input.accountId,
      keys: targets.map((t) => ({ entity: 'target' as const, key: t })),
      links,
      phone: null,
    };
    if (targets.length) this.src.counters.recordAttempt(event);
    const reads = this.reads();
    const req: SnapshotRequest = { at, velocity: velocityReads(reads, keys), links, phoneRun: null };
    const rings = this.src.rings && readsRing(reads) ? this.src.rings.lookup({ accountId: input.accountId, phone: null, deviceId: input.deviceId, identityHashes: [], targets }) : NO_RING;
    const [snap, record, ring] = await Promise.all([this.src.counters.snapshot(req), this.src.account(input.accountId), rings]);
    const cashoutFen = input.items.filter((i) => i.category === 'virtual_topup' || i.category === 'game_currency' || i.category === 'gift_card').reduce((s, i) => s + i.amountFen, 0);
    const firstGrant = Math.min(...input.coupons.map((c) => c.grantedAt));
    const popKeys = orderPopulationKeys(input.coupons.map((c) => c.campaign.id), { cashout: cashoutFen > 0, couponRatio: input.totalFen > 0 ? input.discountFen / input.totalFen : 0, targetAccounts: Math.max(0, ...snap.links) });
    if (popKeys.length) this.src.counters.recordAttempt({ at, accountId: input.accountId, keys: popKeys, links: [], phone: null });
    const signals: SignalValues = {
      account: { ...accountSignals(record, null, at, false, false), ...ringSignals(ring) },
      links: { target_accounts: Math.max(0, ...snap.links) },
      velocity: Object.fromEntries(req.velocity.map((r, i) => [`${r.entity}_${r.metric}_${r.window}`, snap.velocity[i]!])),
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
    const probe: ListProbe = { accountId: input.accountId, deviceId: input.deviceId, ip: input.ip, phone: null, identityHashes: [], targets };
    return this.verdict(signals, reads, probe, at, false, 'order');
  }

  claimCommitted(input: ClaimPolicyInput, decision: Decision): void {
    if (decision !== 'allow' && decision !== 'hold' && decision !== 'deny') return;
    const a = input.account;
    const keys: AttemptEvent['keys'] = [
      { entity: 'account', key: a.id },
      { entity: 'campaign', key: input.campaign.id },
      ...(a.deviceId ? [{ entity: 'device' as const, key: a.deviceId }] : []),
      ...(a.ip ? [{ entity: 'ip' as const, key: a.ip }, { entity: 'ip24' as const, key: network(a.ip) }] : []),
      ...(a.phone ? [{ entity: 'segment' as const, key: a.phone.slice(0, 7) }] : []),
      ...(a.identityHashes[0] ? [{ entity: 'identity' as const, key: a.identityHashes[0] }] : []),
      ...(input.code ? [{ entity: 'code' as const, key: input.code.codeId }] : []),
    ];
    this.src.counters.recordOutcome(input.at, keys, decision === 'deny' ? 'deny' : 'grant');
  }

  private verdict(signals: SignalValues, reads: Reads, probe: ListProbe, at: number, challengePassed: boolean, kind: 'claim' | 'order'): PolicyVerdict {
    const live = this.src.live();
    const shadowPolicy = this.src.shadow();
    const shadow: ShadowVerdict | undefined = shadowPolicy
      ? (() => {
          const d = decide(shadowPolicy, shadowPolicy[kind], signals, challengePassed);
          return { policyVersion: versionLabel(shadowPolicy), action: d.action, rules: d.hits };
        })()
      : undefined;
    const stored = flatten(signals, reads);
    const listed = matchLists(this.src.lists(), probe, at)[0];
    if (listed) {
      const code = listed.list === 'block' ? 'LIST_BLOCKED' : 'LIST_ALLOWED';
      return {
        action: listed.list === 'block' ? 'deny' : 'allow',
        reasons: [{ code, message: `${listed.kind} is on the ${listed.list} list: ${listed.reason}` }],
        policyVersion: versionLabel(live),
        rules: [],
        signals: { ...stored, 'list.entry': listed.id },
        ...(shadow ? { shadow } : {}),
      };
    }
    const d = decide(live, live[kind], signals, challengePassed);
    return {
      action: d.action,
      reasons: d.reasons.length ? d.reasons : [{ code: 'POLICY_PASS', message: 'No risk rule objected' }],
      policyVersion: versionLabel(live),
      rules: d.hits,
      signals: { ...stored, score: d.score },
      ...(shadow ? { shadow } : {}),
    };
  }
}
