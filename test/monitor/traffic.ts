/**
 * Crafted traffic for the pure monitor: campaigns as plain values, claims as the store's log would
 * show them, and a driver that feeds them in time order and looks every 10 s, as the runtime does.
 * It records what the circuit breaker would have done (the first finding that auto-pauses).
 */
import type { Campaign } from '../../src/core/campaigns/campaign.js';
import { Monitor, type Finding, type MonitorOptions, type ObservedClaim } from '../../src/core/monitor/monitor.js';
import type { CampaignId } from '../../src/core/shared/ids.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** Midnight in China (UTC+8) on 2019-01-18. */
export const D0 = Date.parse('2019-01-17T16:00:00Z');

export function campaignOf(id: string, over: Partial<Omit<Campaign, 'id'>> = {}): Campaign {
  return {
    id: id as CampaignId,
    name: id,
    template: { discount: { kind: 'threshold', thresholdFen: 100_000, amountFen: 15_000 } },
    special: false,
    channels: ['app', 'web', 'mini_program'],
    requireCode: false,
    requireVerifiedIdentity: false,
    startsAt: D0,
    endsAt: D0 + 10 * DAY,
    budget: { count: 10_000_000, moneyFen: (10_000_000 * 15_000) },
    limits: { perIdentity: 1, perAccount: 1 },
    restoreOnCancel: true,
    state: 'active',
    createdAt: D0,
    updatedAt: D0,
    ...over,
  };
}

let n = 0;
/** A claim as the log shows it: granted by default; `reasons` as the claim record carries them. */
export function claimOf(at: number, c: Campaign, over: Partial<ObservedClaim> = {}): ObservedClaim {
  const i = n++;
  const decision = over.decision ?? 'allow';
  return {
    at,
    campaignId: c.id,
    channel: 'app',
    decision,
    faceValueFen: decision === 'allow' || decision === 'hold' ? 15_000 : 0,
    accountId: `acc-${i}`,
    deviceId: `dev-${i}`,
    ip: `10.${(i >> 8) % 250}.${i % 250}.1`,
    phone: `139${String(10_000_000 + ((i * 7919) % 89_999_999)).padStart(8, '0')}`,
    codeId: null,
    reasons: decision === 'allow' ? [{ code: 'GRANTED' }, { code: 'POLICY_PASS' }] : [],
    ...over,
  };
}

/** A refused or held claim whose first reason is one of the risk engine's (a policy rule's) codes. */
export const riskClaim = (at: number, c: Campaign, decision: 'challenge' | 'hold' | 'deny', code = 'DEVICE_SHARED', over: Partial<ObservedClaim> = {}) =>
  claimOf(at, c, { decision, reason: code, reasons: [{ code }], ...over });

/** A claim the platform's own checks refused (a limit, the budget, a pause): not risk pressure. */
export const platformDenial = (at: number, c: Campaign, code = 'IDENTITY_LIMIT_REACHED') => claimOf(at, c, { decision: 'deny', reason: code, reasons: [{ code }] });

/** Events spread evenly over a minute. */
export const spread = (minute: number, k: number) => Array.from({ length: k }, (_, i) => minute + Math.floor(((i + 0.5) / k) * MIN));

export class Driver {
  readonly monitor: Monitor;
  readonly campaigns: Map<string, Campaign>;
  readonly findings: Finding[] = [];
  /** The first finding that would have paused something, and when. */
  paused: Finding | null = null;
  private pending: { at: number; claim: ObservedClaim; campaign: Campaign }[] = [];

  constructor(campaigns: readonly Campaign[], opts: MonitorOptions = {}) {
    this.monitor = new Monitor(opts);
    this.campaigns = new Map(campaigns.map((c) => [c.id, c]));
  }

  add(...claims: ObservedClaim[]): void {
    for (const claim of claims) this.pending.push({ at: claim.at, claim, campaign: this.campaigns.get(claim.campaignId)! });
  }

  /** Ingests what happened up to `now` and evaluates. */
  look(now: number): Finding[] {
    this.pending.sort((a, b) => a.at - b.at);
    let i = 0;
    for (; i < this.pending.length && this.pending[i]!.at <= now; i++) this.monitor.ingestClaim(this.pending[i]!.claim, this.pending[i]!.campaign);
    this.pending = this.pending.slice(i);
    const f = this.monitor.evaluate(now, this.campaigns, new Map());
    this.findings.push(...f);
    this.paused ??= f.find((x) => x.autoPause) ?? null;
    return f;
  }

  /** Looks every 10 s over [from, to). */
  run(from: number, to: number): void {
    for (let t = from + 9_999; t < to; t += 10_000) this.look(t);
  }

  /** Findings of a severity, as "rule scope:value", once each. */
  seen(severity?: Finding['severity']): string[] {
    return [...new Set(this.findings.filter((f) => !severity || f.severity === severity).map((f) => `${f.rule} ${f.scope.kind}:${f.scope.value}`))];
  }

  firstAt(pred: (f: Finding) => boolean): number | null {
    return this.findings.find(pred)?.at ?? null;
  }
}
