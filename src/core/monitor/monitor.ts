import { couponTypeOf, isChannelLocked, type Campaign, type CampaignUsage } from '../campaigns/campaign.js';
import type { Channel } from '../shared/channels.js';
import { coldStart, describeExpectation, expectation, expectedRate, levelOf, ownLevel, type BaselineInputs, type ScopePrior } from './baseline.js';
import { REASON_MESSAGES } from '../claims/reasons.js';
import { anscombeZ, cusumStep, DEFAULT_CUSUM, DEFAULT_PRESSURE, DEFAULT_SPIKE, isPressure, isSpike, normalShare, toleratedShare, type CusumParams, type PressureParams, type SpikeParams } from './detect.js';
import { expectsNothingOnline, historyStartOf, Priors } from './prior.js';
import { DAY_MINUTES, MINUTE, MinuteSeries, minuteOf, type SeriesKey, type SeriesMetric } from './series.js';

/** A claim as the monitor sees it (from the store's log). */
export interface ObservedClaim {
  readonly at: number;
  readonly campaignId: string;
  readonly channel: Channel;
  readonly decision: string;
  readonly faceValueFen: number;
  readonly accountId: string;
  readonly deviceId: string | null;
  readonly ip: string | null;
  readonly phone: string | null;
  readonly codeId: string | null;
  /** The first reason of the decision (CODE_FORGED, GRANTED, ...). */
  readonly reason?: string | null;
  /** Every reason of the decision, in order, as the claim record carries them. */
  readonly reasons?: readonly { readonly code: string }[];
}

/**
 * spike / drift / rate-limit on grants; attempt-spike on claim attempts (an attack the risk engine
 * is refusing is still an attack); forged-codes when refused forged or malformed codes pile up (the
 * seed's forged QR codes); cashout when a special or channel-locked coupon type is being spent in
 * full on virtual goods (the seed's cash-out through top-ups and Q-coins); budget; and the seed's
 * own total threshold, for comparison; risk-pressure when the risk engine keeps refusing a scope's
 * claims far beyond its normal share (a slow ring stopped claim by claim is still an attack).
 */
export type FindingRule = 'spike' | 'attempt-spike' | 'forged-codes' | 'cashout' | 'drift' | 'risk-pressure' | 'rate-limit' | 'budget' | 'total-threshold';
export type ScopeKind = 'campaign' | 'type' | 'channel' | 'total';

export interface Evidence {
  /** Grants per minute for the 30 minutes up to now, oldest first, and what was expected. */
  readonly series: readonly { readonly minute: string; readonly grants: number; readonly expected: number }[];
  readonly observedPerMinute: number;
  readonly expectedPerMinute: number;
  readonly threshold: string;
  /** What the expectation was built from (seasonal profile, cold start and its prior, an announced surge); absent on alerts stored before it was recorded. */
  readonly basis?: string;
  /**
   * Who is behind it in the last two minutes: the top five of each, counted over the scope's most
   * recent claims there (at most RECENT_MAX of the monitor's most recent; `topOf` says how many).
   */
  readonly top: Readonly<Record<'accounts' | 'devices' | 'networks' | 'segments' | 'codes', readonly { readonly value: string; readonly claims: number }[]>>;
  readonly topOf?: number;
}

export interface Finding {
  readonly rule: FindingRule;
  readonly scope: { readonly kind: ScopeKind; readonly value: string };
  readonly severity: 'critical' | 'warning';
  readonly title: string;
  readonly at: number;
  /** Campaigns in scope; what an automatic pause would stop. */
  readonly campaignIds: readonly string[];
  readonly autoPause: boolean;
  readonly evidence: Evidence;
}

export interface MonitorOptions {
  readonly spike?: SpikeParams;
  readonly cusum?: CusumParams;
  readonly pressure?: PressureParams;
  /**
   * The seed's own alarm, kept for comparison: a single threshold on the face value granted across
   * all coupons since the start of the (UTC+8) day. Off unless set.
   */
  readonly totalThresholdFen?: number;
  /** Channels the circuit breaker may pause on its own (default none: a channel alert only alerts). */
  readonly autoPauseChannels?: readonly Channel[];
}

const RECENT_MS = 10 * MINUTE;
/**
 * The most claims kept for evidence. Without a cap a festival's 7,000 claims a second meant
 * millions of objects in ten minutes, and counting them for each alert's "who is behind it" held
 * the serving thread for ~1 s a tick (bench:claims with the monitor running: p99 225 ms). The
 * newest 5,000 name who is behind a burst as well as all of them would.
 */
const RECENT_MAX = 5_000;

/** The latest claims of one kind, by time, at most RECENT_MS old and RECENT_MAX many. */
class RecentClaims {
  private buf: ObservedClaim[] = [];
  private head = 0;

  push(c: ObservedClaim): void {
    this.buf.push(c);
    while (this.head < this.buf.length && (this.buf[this.head]!.at < c.at - RECENT_MS || this.buf.length - this.head > RECENT_MAX)) this.head++;
    // Drop what fell out once it is most of the array (amortised O(1) a claim, no shift()).
    if (this.head > 1024 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
  }

  /** Newest first, while newer than `since`. */
  *since(since: number): Generator<ObservedClaim> {
    for (let i = this.buf.length - 1; i >= this.head && this.buf[i]!.at > since; i--) yield this.buf[i]!;
  }
}

/** The five largest counts, without sorting every key. */
function topFive(counts: ReadonlyMap<string, number>): { value: string; claims: number }[] {
  const best: { value: string; claims: number }[] = [];
  for (const [value, claims] of counts) {
    if (best.length === 5 && claims <= best[4]!.claims) continue;
    let i = best.length < 5 ? best.length : 4;
    while (i > 0 && best[i - 1]!.claims < claims) i--;
    best.splice(i, 0, { value, claims });
    if (best.length > 5) best.pop();
  }
  return best;
}
/** The prior of a scope with a day of history, which its seasonal profile makes unused. */
const SEASONAL_ONLY: ScopePrior = { rate: 0, basis: 'unused: the scope has a day of history', learns: true };
/** How much further than the spike test a jump must go against a cold start to be critical. */
const COLD_EXTRA_Z = 3;
/** The cashout finding: at least this many full-value cash-outs within this many minutes. */
const CASHOUT_MIN = 3;
const CASHOUT_MINUTES = 10;
const DAY_OFFSET = 8 * 3_600_000;

/** Codes the platform's own checks give (codes, channel, campaign state, pauses, limits, budget, challenge plumbing). */
const PLATFORM_CODES: ReadonlySet<string> = new Set(Object.keys(REASON_MESSAGES));

/**
 * Whether the risk engine held, challenged or denied the claim: its first reason (after a passed
 * challenge) is a policy rule's code. A claim refused by the platform's own checks (budget, limits,
 * pauses, codes) is not risk pressure, even when the policy's reasons follow the platform's.
 */
export function refusedForRisk(c: Pick<ObservedClaim, 'decision' | 'reason' | 'reasons'>): boolean {
  if (c.decision !== 'hold' && c.decision !== 'challenge' && c.decision !== 'deny') return false;
  const codes = c.reasons?.map((r) => r.code) ?? (c.reason ? [c.reason] : []);
  const first = codes.find((code) => code !== 'CHALLENGE_PASSED');
  return first !== undefined && !PLATFORM_CODES.has(first);
}

const network = (ip: string) => (ip.includes('.') ? ip.split('.').slice(0, 3).join('.') : ip.split(':').slice(0, 3).join(':'));

/** Special and channel-locked coupons pause themselves unless the operator said otherwise. */
export const autoPauses = (c: Campaign): boolean => c.monitor?.autoPause ?? (c.special || isChannelLocked(c));

/**
 * The monitor's brain, pure: fed claims and redemptions in time order, asked at any moment what is
 * wrong now. The runtime (src/app/monitor-runtime.ts) feeds it from the store, turns findings into
 * deduplicated alerts, webhooks and pauses.
 */
export class Monitor {
  readonly series = new MinuteSeries();
  private readonly recent = new RecentClaims();
  /** Claims refused for risk reasons, for the evidence of risk pressure. */
  private readonly refused = new RecentClaims();
  /** This look's top lists, by pool and scope. */
  private readonly tops = new Map<string, Pick<Evidence, 'top' | 'topOf'>>();
  private readonly cusum = new Map<SeriesKey, { s: number; minute: number }>();
  private readonly spike: SpikeParams;
  private readonly cusumParams: CusumParams;
  private readonly pressure: PressureParams;

  constructor(private readonly opts: MonitorOptions = {}) {
    this.spike = opts.spike ?? DEFAULT_SPIKE;
    this.cusumParams = opts.cusum ?? DEFAULT_CUSUM;
    this.pressure = opts.pressure ?? DEFAULT_PRESSURE;
  }

  ingestClaim(c: ObservedClaim, campaign: Campaign): void {
    const granted = c.decision === 'allow' || c.decision === 'hold';
    const risk = refusedForRisk(c);
    for (const key of keysOf(campaign, c.channel)) {
      this.series.add(key, c.at, 'claims');
      if (risk || c.decision === 'allow') this.series.add(key, c.at, 'assessed');
      if (risk) this.series.add(key, c.at, 'risk');
      if (granted) {
        this.series.add(key, c.at, 'grants');
        this.series.add(key, c.at, 'grantFen', c.faceValueFen);
      } else if (c.decision === 'deny') this.series.add(key, c.at, 'denials');
      if (c.reason === 'CODE_FORGED' || c.reason === 'CODE_MALFORMED') this.series.add(key, c.at, 'forged');
    }
    if (granted) this.recent.push(c);
    if (risk) this.refused.push(c);
  }

  /** `cashout`: the coupon pays (almost) all of virtual top-ups, game currency or gift cards. */
  ingestRedemption(at: number, campaign: Campaign, channel: Channel | null, fen: number, cashout = false): void {
    for (const key of keysOf(campaign, channel)) {
      this.series.add(key, at, 'redemptions');
      this.series.add(key, at, 'redeemFen', fen);
      if (cashout) this.series.add(key, at, 'cashouts');
    }
  }

  /** Events in the last 60 s (grants by default): this minute so far plus the unexpired part of the last one. */
  observedRate(key: SeriesKey, now: number, metric: SeriesMetric = 'grants'): number {
    const m = minuteOf(now);
    const frac = (now - m * MINUTE) / MINUTE;
    return this.series.get(key, m, metric) + this.series.get(key, m - 1, metric) * (1 - frac);
  }

  evaluate(now: number, campaigns: ReadonlyMap<string, Campaign>, usage: ReadonlyMap<string, CampaignUsage>): Finding[] {
    // A scope's "who is behind it" is counted once per look, however many of its findings show it.
    this.tops.clear();
    const minute = minuteOf(now);
    const level = levelOf(this.series, minute);
    const priors = new Priors(this.series, campaigns, minute, level);
    const out: Finding[] = [];
    for (const [key, members] of scopes(campaigns)) {
      const announced = (m: number) => members.reduce((s, c) => s + announcedInMinute(c, m), 0);
      const historyStart = Math.min(...members.map(historyStartOf));
      // The prior (a median over the platform per campaign) is only worked out where it is used:
      // scopes within a day (and the evidence's half hour) of their first minute.
      const cold = minute - Math.min(this.series.firstMinute(key) ?? Infinity, historyStart) < DAY_MINUTES + 30;
      const prior = cold ? priors.ofScope(members) : SEASONAL_ONLY;
      // Campaigns younger than a day in a scope that has a profile: the profile has not seen them.
      const young = key.startsWith('campaign:') ? [] : members.filter((c) => minute - historyStartOf(c) < DAY_MINUTES);
      const joining = (m: number, metric: SeriesMetric) =>
        young.reduce((s, c) => s + coldStart(priors.ofCampaign(c, metric), ownLevel(this.series, `campaign:${c.id}`, m, historyStartOf(c), metric)), 0);
      const inputs = (m: number): BaselineInputs => ({ series: this.series, key, minute: m, level, prior, historyStart, announced: announced(m), joining: young.length ? joining(m, 'grants') : 0 });
      const expected = (m: number) => expectedRate(inputs(m));
      const current = expectation(inputs(minute));
      const observed = this.observedRate(key, now);
      // What the same sliding minute should hold: the two minutes' expectations, weighted alike.
      const frac = (now - minute * MINUTE) / MINUTE;
      const lambda = expected(minute) * frac + expected(minute - 1) * (1 - frac);
      const scope = scopeOf(key);
      const make = (rule: FindingRule, severity: Finding['severity'], title: string, threshold: string, seen = observed, wanted = lambda): Finding => ({
        rule,
        scope,
        severity,
        title,
        at: now,
        campaignIds: members.map((c) => c.id),
        autoPause:
          severity === 'critical' &&
          (scope.kind === 'channel' ? (this.opts.autoPauseChannels ?? []).includes(scope.value as Channel) : members.some(autoPauses)),
        evidence: this.evidence(key, members, now, seen, wanted, threshold, expected, describeExpectation(current)),
      });
      // A cold start (the scope's own, or that of campaigns younger than a day in it) is learned
      // from a few minutes of the scope's own growth, and a steep organic launch can outgrow it by
      // chance: against it a spike only warns, unless it clears the test by COLD_EXTRA_Z more, or
      // the scope holds a coupon that expects nothing online (any online volume is suspect there).
      const learning = ((current.source === 'cold-start' && prior.learns) || young.length > 0) && !members.some(expectsNothingOnline);
      if (observed > 0 && isSpike(observed, lambda, this.spike))
        out.push(make('spike', !learning || anscombeZ(observed, lambda) >= this.spike.z + COLD_EXTRA_Z ? 'critical' : 'warning', `${scope.kind} ${scope.value}: ${Math.round(observed)} grants in the last minute, ${lambda.toFixed(1)} expected`, `z ≥ ${this.spike.z}, ≥ ${this.spike.minCount} grants, ≥ ${this.spike.minRatio}× expected`));
      // Attempts, whatever was decided: a burst the risk engine refuses is still a burst. Forged
      // codes are counted apart (below): pausing an event coupon because someone forges its codes
      // would only lock out the guests with real ones.
      const forged = this.observedRate(key, now, 'forged');
      const tried = this.observedRate(key, now, 'claims') - forged;
      if (tried > observed) {
        const triesPrior = cold ? priors.ofScope(members, 'claims') : SEASONAL_ONLY;
        const expectedTries = (m: number) => expectedRate({ ...inputs(m), prior: triesPrior, metric: 'claims', joining: young.length ? joining(m, 'claims') : 0 });
        const lambdaTries = expectedTries(minute) * frac + expectedTries(minute - 1) * (1 - frac);
        if (!isSpike(observed, lambda, this.spike) && isSpike(tried, lambdaTries, this.spike)) {
          const special = members.some(autoPauses);
          out.push(make('attempt-spike', special ? 'critical' : 'warning', `${scope.kind} ${scope.value}: ${Math.round(tried)} claim attempts in the last minute, ${lambdaTries.toFixed(1)} expected (${Math.round(observed)} granted)`, `attempts: z ≥ ${this.spike.z}, ≥ ${this.spike.minCount}, ≥ ${this.spike.minRatio}× expected`, tried, lambdaTries));
        }
      }
      if (forged >= this.spike.minCount)
        out.push({ ...make('forged-codes', 'critical', `${scope.kind} ${scope.value}: ${Math.round(forged)} forged or malformed claim codes in the last minute`, `≥ ${this.spike.minCount} per minute`, forged, 0), autoPause: false });
      // A special or channel-locked coupon is meant for an event, not for phone credit: when most of
      // its recent redemptions are full-value cash-outs, its value is leaving (held orders count:
      // the cash-out was attempted). Counted over ten minutes so a slow drip adds up.
      if ((scope.kind === 'campaign' || scope.kind === 'type') && members.some(autoPauses)) {
        let cashouts = 0;
        let redemptions = 0;
        for (let m = minute - CASHOUT_MINUTES + 1; m <= minute; m++) {
          cashouts += this.series.get(key, m, 'cashouts');
          redemptions += this.series.get(key, m, 'redemptions');
        }
        if (cashouts >= CASHOUT_MIN && 2 * cashouts >= redemptions)
          out.push(make('cashout', 'critical', `${scope.kind} ${scope.value}: ${cashouts} of ${redemptions} redemptions in ${CASHOUT_MINUTES} minutes spent the coupon in full on virtual goods`, `≥ ${CASHOUT_MIN} full-value cash-outs and ≥ half of redemptions in ${CASHOUT_MINUTES} min`, cashouts, 0));
      }
      if (scope.kind !== 'total') {
        const p = this.pressureOf(key, minute);
        if (p) {
          const severity = scope.kind !== 'channel' && members.some(autoPauses) ? 'critical' : 'warning';
          const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
          const title = `${scope.kind} ${scope.value}: ${p.window.k} of ${p.window.n} claims held, challenged or denied by risk rules in ${this.pressure.windowMinutes} min (${pct(p.window.k / p.window.n)}; normal ${pct(p.share)})`;
          const threshold = `share above max(${this.pressure.factor}× normal, normal + ${pct(this.pressure.margin)}) = ${pct(toleratedShare(p.share, this.pressure))}, binomial tail ≤ ${Math.exp(-this.pressure.tail).toExponential(0)}, ≥ ${this.pressure.minRefused} refusals in ≥ ${this.pressure.minMinutes} distinct minutes`;
          const basis = `normal share ${pct(p.share)}: this scope's own ${p.own.k} of ${p.own.n} before the window, on top of the platform's ${pct(p.platformShare)} (${p.platform.k} of ${p.platform.n}), on top of a default of 5 %`;
          const f = make('risk-pressure', severity, title, threshold, p.window.k / this.pressure.windowMinutes, (p.window.n * p.share) / this.pressure.windowMinutes);
          out.push({ ...f, evidence: { ...f.evidence, basis, ...this.top(key, members, now, this.refused) } });
        }
      }
      // A type's limit is the sum of its campaigns' limits, when each of them has one.
      const limits = members.map((c) => c.monitor?.maxGrantsPerMinute);
      const max = scope.kind !== 'channel' && limits.every((l) => l !== undefined) ? limits.reduce((a, b) => a! + b!, 0) : undefined;
      if (max !== undefined && observed > max)
        out.push(make('rate-limit', 'critical', `${scope.kind} ${scope.value}: ${Math.round(observed)} grants per minute, above the limit of ${max}`, `> ${max} per minute`));
      // CUSUM over completed minutes: catches a drip that never spikes.
      const st = this.cusum.get(key) ?? { s: 0, minute: minute - 1 };
      for (let m = st.minute + 1; m < minute; m++) st.s = cusumStep(st.s, this.series.get(key, m, 'grants'), expected(m), this.cusumParams);
      st.minute = Math.max(st.minute, minute - 1);
      this.cusum.set(key, st);
      // Against a cold start, CUSUM measures growth over the scope's own last minutes, which an
      // organic launch does too: it warns.
      if (st.s >= this.cusumParams.h)
        out.push(make('drift', learning ? 'warning' : 'critical', `${scope.kind} ${scope.value}: grants above expectation for a sustained period`, `CUSUM ≥ ${this.cusumParams.h} (slack ${this.cusumParams.k})`));
      if (scope.kind === 'campaign') {
        const c = members[0]!;
        const u = usage.get(c.id);
        const pct = c.monitor?.budgetAlertPercent;
        if (u && pct !== undefined) {
          const used = Math.max(u.grantedCount / c.budget.count, u.grantedFen / c.budget.moneyFen) * 100;
          if (used >= pct) out.push(make('budget', 'warning', `campaign ${c.name}: ${used.toFixed(1)}% of its budget used`, `≥ ${pct}% of budget`));
        }
      }
    }
    if (this.opts.totalThresholdFen !== undefined) {
      const dayStart = minuteOf(Math.floor((now + DAY_OFFSET) / 86_400_000) * 86_400_000 - DAY_OFFSET);
      const total = this.series.range('total', dayStart, minute + 1, 'grantFen').reduce((a, b) => a + b, 0);
      if (total >= this.opts.totalThresholdFen) {
        const all = [...campaigns.values()];
        out.push({
          rule: 'total-threshold',
          scope: { kind: 'total', value: 'all' },
          severity: 'warning',
          title: `all coupons: ${total} fen granted today, above ${this.opts.totalThresholdFen}`,
          at: now,
          campaignIds: all.map((c) => c.id),
          autoPause: false,
          evidence: this.evidence('total', all, now, this.observedRate('total', now), 0, `≥ ${this.opts.totalThresholdFen} fen per day`, () => 0, 'a fixed daily threshold (the seed’s own alarm)'),
        });
      }
    }
    return out;
  }

  private evidence(key: SeriesKey, members: readonly Campaign[], now: number, observed: number, expected: number, threshold: string, expectedAt: (m: number) => number, basis: string): Evidence {
    const minute = minuteOf(now);
    const series = [];
    for (let m = minute - 29; m <= minute; m++) series.push({ minute: new Date(m * MINUTE).toISOString(), grants: this.series.get(key, m, 'grants'), expected: Math.round(expectedAt(m) * 100) / 100 });
    return {
      series,
      observedPerMinute: Math.round(observed * 100) / 100,
      expectedPerMinute: Math.round(expected * 100) / 100,
      threshold,
      basis,
      ...this.top(key, members, now, this.recent),
    };
  }

  /** Who is behind it in the last two minutes (of granted claims, or of those refused for risk). */
  private top(key: SeriesKey, members: readonly Campaign[], now: number, pool: RecentClaims): Pick<Evidence, 'top' | 'topOf'> {
    const memo = `${pool === this.refused ? 'refused' : 'granted'}\u0000${key}`;
    const known = this.tops.get(memo);
    if (known) return known;
    const found = this.countTop(members, now, pool);
    this.tops.set(memo, found);
    return found;
  }

  private countTop(members: readonly Campaign[], now: number, pool: RecentClaims): Pick<Evidence, 'top' | 'topOf'> {
    const ids = new Set<string>(members.map((c) => c.id));
    const counts = { accounts: new Map<string, number>(), devices: new Map<string, number>(), networks: new Map<string, number>(), segments: new Map<string, number>(), codes: new Map<string, number>() };
    const bump = (m: Map<string, number>, v: string | null) => {
      if (v) m.set(v, (m.get(v) ?? 0) + 1);
    };
    let n = 0;
    for (const c of pool.since(now - 2 * MINUTE)) {
      if (!ids.has(c.campaignId)) continue;
      n++;
      bump(counts.accounts, c.accountId);
      bump(counts.devices, c.deviceId);
      bump(counts.networks, c.ip ? network(c.ip) : null);
      bump(counts.segments, c.phone ? c.phone.slice(0, 7) : null);
      bump(counts.codes, c.codeId);
    }
    return {
      top: { accounts: topFive(counts.accounts), devices: topFive(counts.devices), networks: topFive(counts.networks), segments: topFive(counts.segments), codes: topFive(counts.codes) },
      topOf: n,
    };
  }

  /**
   * Risk pressure on a scope over the last window (this minute so far and the ones before), against
   * its normal share from the history before the window; null when there is none (detect.ts).
   */
  private pressureOf(key: SeriesKey, minute: number) {
    const w = this.pressure.windowMinutes;
    let k = 0;
    let n = 0;
    let minutes = 0;
    for (let m = minute - w + 1; m <= minute; m++) {
      const r = this.series.get(key, m, 'risk');
      k += r;
      n += this.series.get(key, m, 'assessed');
      if (r > 0) minutes++;
    }
    if (k < this.pressure.minRefused) return null;
    let kt = 0;
    let nt = 0;
    for (let m = minute - w + 1; m <= minute; m++) {
      kt += this.series.get('total', m, 'risk');
      nt += this.series.get('total', m, 'assessed');
    }
    const own = { k: this.series.total(key, 'risk') - k, n: this.series.total(key, 'assessed') - n };
    const platform = { k: this.series.total('total', 'risk') - kt, n: this.series.total('total', 'assessed') - nt };
    const { share, platformShare } = normalShare(own, platform);
    const window = { k, n };
    return isPressure(window, minutes, share, this.pressure) ? { window, own, platform, share, platformShare } : null;
  }
}

function keysOf(c: Campaign, channel: Channel | null): SeriesKey[] {
  const keys: SeriesKey[] = [`campaign:${c.id}`, 'total'];
  if (c.couponType) keys.push(`type:${c.couponType}`);
  if (channel) keys.push(`channel:${channel}`);
  return keys;
}

/** Campaign keys, and type keys for types shared by a named coupon type. */
function scopes(campaigns: ReadonlyMap<string, Campaign>): Map<SeriesKey, Campaign[]> {
  const out = new Map<SeriesKey, Campaign[]>();
  for (const c of campaigns.values()) {
    out.set(`campaign:${c.id}`, [c]);
    for (const ch of c.channels) out.set(`channel:${ch}`, [...(out.get(`channel:${ch}`) ?? []), c]);
    if (c.couponType) {
      const k: SeriesKey = `type:${couponTypeOf(c)}`;
      out.set(k, [...(out.get(k) ?? []), c]);
    }
  }
  return out;
}

function scopeOf(key: SeriesKey): Finding['scope'] {
  if (key === 'total') return { kind: 'total', value: 'all' };
  const i = key.indexOf(':');
  return { kind: key.slice(0, i) as ScopeKind, value: key.slice(i + 1) };
}

/**
 * Grants announced for a minute: each surge's rate times the share of the minute it covers. A surge
 * announced from 19:00:30 expects half its rate in the 19:00 minute, not nothing (the guests who
 * come in its first 30 s are expected), and one ending at 19:20:30 half in the 19:20 minute.
 */
export function announcedInMinute(c: Campaign, minute: number): number {
  const from = minute * MINUTE;
  const to = from + MINUTE;
  let n = 0;
  for (const s of c.monitor?.expectedSurges ?? []) n += (s.grantsPerMinute * Math.max(0, Math.min(to, s.endsAt) - Math.max(from, s.startsAt))) / MINUTE;
  return n;
}
