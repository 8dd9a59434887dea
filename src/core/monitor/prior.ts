import { isChannelLocked, type Campaign } from '../campaigns/campaign.js';
import type { ScopePrior } from './baseline.js';
import { seasonalProfile } from './baseline.js';
import { MINUTE, minuteOf, type MinuteSeries, type SeriesKey, type SeriesMetric } from './series.js';

/**
 * What a scope expects before it has a day of history of its own, per campaign, summed over the
 * scope's campaigns.
 *
 * Why not the plan (budget over duration): budgets are caps, not forecasts. A campaign of
 * 10,000,000 coupons over 10 days "plans" 694 a minute; taken as the expectation, it hid a few
 * dozen stolen grants a minute for a whole day. So the plan only lowers what is expected (a small
 * campaign expects little), and what it may claim is capped by comparable traffic, in this order:
 * 1. the median rate, now, of the other ordinary campaigns of the same coupon type;
 * 2. else the median rate, now, of the other ordinary campaigns on the platform (its typical
 *    per-campaign rate at this time of day, from their seasonal profiles);
 * 3. else (nothing comparable yet, as on a fresh server) the most any other campaign has ever
 *    granted in one minute;
 * and never below PRIOR_FLOOR: with nothing comparable (or a quiet night), a launch ramping up
 * from zero is otherwise a "spike" in its second minute, since the minute before the one under
 * test is not learned from (baseline.ts, `ownLevel`). A couple a minute still lets an attack of a
 * few dozen a minute stand out within the minute.
 * A campaign's rate "now" is its seasonal profile times the platform level once it has a day of
 * history, else its mean over its last hour once it has been open for half an hour.
 * Special and channel-locked coupons expect almost nothing online, as before.
 */
export const EVENT_ONLY_RATE = 0.2;
export const PRIOR_FLOOR = 2;
const REFERENCE_AFTER_MINUTES = 30;
const REFERENCE_MINUTES = 60;

export const expectsNothingOnline = (c: Campaign): boolean => c.special || isChannelLocked(c);
export const historyStartOf = (c: Campaign): number => minuteOf(Math.max(c.createdAt, c.startsAt));
const planRate = (c: Campaign): number => c.budget.count / Math.max(1, (c.endsAt - c.startsAt) / MINUTE);
const keyOf = (c: Campaign): SeriesKey => `campaign:${c.id}`;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const f1 = (x: number) => (Math.round(x * 10) / 10).toString();

interface Reference {
  readonly campaign: Campaign;
  readonly rate: number;
}

/** Built once per evaluation; references are computed on first use, per metric. */
export class Priors {
  private readonly refs = new Map<SeriesMetric, readonly Reference[]>();
  private readonly single = new Map<string, ScopePrior>();

  constructor(
    private readonly series: MinuteSeries,
    private readonly campaigns: ReadonlyMap<string, Campaign>,
    private readonly minute: number,
    private readonly level: number,
  ) {}

  /** The prior of one campaign alone (cached: a young campaign is looked up by every scope it is in). */
  ofCampaign(c: Campaign, metric: SeriesMetric = 'grants'): ScopePrior {
    const k = `${metric}|${c.id}`;
    let p = this.single.get(k);
    if (!p) this.single.set(k, (p = this.ofScope([c], metric)));
    return p;
  }

  /** The prior of a scope: the sum of its campaigns' priors, each compared with campaigns outside the scope. */
  ofScope(members: readonly Campaign[], metric: SeriesMetric = 'grants'): ScopePrior {
    const outside = new Set(members.map((c) => c.id));
    const each = members.map((c) => ({ c, ...this.ofMember(c, outside, metric) }));
    const rate = each.reduce((s, x) => s + x.rate, 0);
    const basis = each.length === 1 ? each[0]!.basis : `sum over ${each.length} campaigns: ${each.slice(0, 3).map((x) => `${x.c.name}: ${x.basis}`).join('; ')}${each.length > 3 ? '; …' : ''}`;
    return { rate, basis, learns: members.some((c) => !expectsNothingOnline(c)) };
  }

  private ofMember(c: Campaign, outside: ReadonlySet<string>, metric: SeriesMetric): { rate: number; basis: string } {
    if (expectsNothingOnline(c)) return { rate: EVENT_ONLY_RATE, basis: `event-only coupon: ${EVENT_ONLY_RATE}/min online` };
    const plan = planRate(c);
    const peers = this.references(metric).filter((r) => !outside.has(r.campaign.id));
    const sameType = c.couponType === undefined ? [] : peers.filter((r) => r.campaign.couponType === c.couponType);
    const [cap, what] = sameType.length
      ? [median(sameType.map((r) => r.rate)), `median now of ${sameType.length} other ${c.couponType} campaigns`]
      : peers.length
        ? [median(peers.map((r) => r.rate)), `median now of ${peers.length} other campaigns on the platform`]
        : this.ceiling(outside, metric);
    if (cap < PRIOR_FLOOR) return { rate: Math.min(plan, PRIOR_FLOOR), basis: `plan ${f1(plan)}/min capped at the floor of ${PRIOR_FLOOR}/min (${what}: ${f1(cap)}/min)` };
    return plan <= cap ? { rate: plan, basis: `plan ${f1(plan)}/min (below ${what}, ${f1(cap)}/min)` } : { rate: cap, basis: `plan ${f1(plan)}/min capped at ${what}, ${f1(cap)}/min` };
  }

  /** The most any campaign outside the scope has counted in a minute: what the platform has ever seen. */
  private ceiling(outside: ReadonlySet<string>, metric: SeriesMetric): [number, string] {
    let most = 0;
    for (const c of this.campaigns.values()) if (!outside.has(c.id)) most = Math.max(most, this.series.peak(keyOf(c), metric));
    return [most, most ? 'the most any other campaign has counted in a minute' : 'nothing seen on the platform yet'];
  }

  private references(metric: SeriesMetric): readonly Reference[] {
    let refs = this.refs.get(metric);
    if (!refs) this.refs.set(metric, (refs = [...this.campaigns.values()].flatMap((c) => this.reference(c, metric))));
    return refs;
  }

  /** What an active ordinary campaign does now, when it is known well enough to compare with. */
  private reference(c: Campaign, metric: SeriesMetric): Reference[] {
    if (expectsNothingOnline(c) || c.state !== 'active') return [];
    const start = historyStartOf(c);
    const profile = seasonalProfile(this.series, keyOf(c), this.minute, start, metric);
    if (profile !== null) return [{ campaign: c, rate: profile * this.level }];
    if (this.minute - start < REFERENCE_AFTER_MINUTES) return [];
    const from = Math.max(start, this.minute - REFERENCE_MINUTES);
    const counts = this.series.range(keyOf(c), from, this.minute, metric);
    return [{ campaign: c, rate: counts.reduce((a, b) => a + b, 0) / counts.length }];
  }
}
