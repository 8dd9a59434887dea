import { DAY_MINUTES, type MinuteSeries, type SeriesKey, type SeriesMetric } from './series.js';

/**
 * The expected grant rate of a series, per minute.
 *
 * Method (chosen for counts with a strong daily shape and festival levels, cheap per tick):
 * - **Seasonal profile**: for the same minute of day on each of the last 7 days, the mean of a
 *   5-minute window around it; the profile is the *median* over days, so one odd day (an earlier
 *   incident, a holiday) does not move it. This is the seasonal part of Holt-Winters without its
 *   fitting, and the robust seasonal baseline of Twitter's S-H-ESD.
 * - **Level**: a festival lifts everything at once. The ratio of what all coupons did in the last
 *   30 minutes to what their profile expected is that level; it multiplies every series' profile.
 *   A burst on one coupon type moves the total little, so it does not raise its own baseline.
 * - **Cold start** where a scope has less than a day of history (`coldStart`): its own last few
 *   completed minutes, robustly (a median, projected along its median growth), shrunk toward a
 *   prior taken from comparable traffic (prior.ts: the plan, capped by what comparable campaigns do
 *   now). A special or channel-locked scope does not learn: it expects almost nothing online.
 * - An **announced surge** (flash sale, event) sets the floor while it lasts, whatever the rest says.
 * The detectors (detect.ts) then compare counts with this rate on a variance-stabilised scale.
 */
export interface BaselineInputs {
  readonly series: MinuteSeries;
  readonly key: SeriesKey;
  readonly minute: number;
  /** Global level (see `levelOf`). */
  readonly level: number;
  /** What to expect without a day of history. */
  readonly prior: ScopePrior;
  /** Announced rate at this minute (0 when none). */
  readonly announced: number;
  /**
   * Since when the series is known (minute): when its campaigns started taking claims. A campaign
   * that has been open for days with no claims has learned "zero", which is what makes a sudden
   * burst on a forgotten coupon type stand out.
   */
  readonly historyStart: number;
  /** What is counted: grants (default) or claim attempts. */
  readonly metric?: SeriesMetric;
  /**
   * What the scope's campaigns younger than a day are expected to add (their own cold starts) to a
   * seasonal profile that has not seen them yet: a new campaign ramping up is not a spike of its
   * channel or coupon type. 0 when none.
   */
  readonly joining?: number;
}

const DAYS = 7;
const HALF_WINDOW = 2;

/** Median over past days of the same-minute window mean; null when there is no full past day. */
export function seasonalProfile(series: MinuteSeries, key: SeriesKey, minute: number, historyStart = Infinity, metric: SeriesMetric = 'grants'): number | null {
  const first = Math.min(series.firstMinute(key) ?? Infinity, historyStart);
  if (!Number.isFinite(first) || minute - first < DAY_MINUTES) return null;
  const days: number[] = [];
  for (let d = 1; d <= DAYS; d++) {
    const center = minute - d * DAY_MINUTES;
    if (center - HALF_WINDOW < first) break;
    let sum = 0;
    for (let m = center - HALF_WINDOW; m <= center + HALF_WINDOW; m++) sum += series.get(key, m, metric);
    days.push(sum / (2 * HALF_WINDOW + 1));
  }
  if (!days.length) return null;
  days.sort((a, b) => a - b);
  const mid = days.length >> 1;
  return days.length % 2 ? days[mid]! : (days[mid - 1]! + days[mid]!) / 2;
}

/** The global level: recent total grants over what the total's profile expected, bounded. */
export function levelOf(series: MinuteSeries, minute: number, window = 30): number {
  let seen = 0;
  let expected = 0;
  for (let m = minute - window; m < minute; m++) {
    const p = seasonalProfile(series, 'total', m);
    if (p === null) return 1;
    seen += series.get('total', m, 'grants');
    expected += p;
  }
  if (expected < 1) return 1;
  return Math.min(20, Math.max(0.2, seen / expected));
}

/** What a scope expects before it has a day of history of its own (built in prior.ts). */
export interface ScopePrior {
  /** Per-minute rate to expect before the scope has traffic of its own. */
  readonly rate: number;
  /** Where that rate comes from, for the alert's evidence. */
  readonly basis: string;
  /**
   * Whether the scope learns from its own first minutes. False when every member is a special or
   * channel-locked coupon: those expect nothing online unless announced, so a drip that starts with
   * them must not become their normal.
   */
  readonly learns: boolean;
}

/** Completed minutes the cold start looks back at; of them, how many its level is the median of. */
const COLD_MINUTES = 5;
const COLD_LEVEL_MINUTES = 3;
/** How many minutes of the scope's own traffic the prior is worth. */
const PRIOR_MINUTES = 2;

/** The scope's own recent traffic, as the cold start reads it. */
export interface OwnLevel {
  /** Median of its last completed minutes (up to three). */
  readonly level: number;
  /** Median minute-to-minute growth over up to five minutes (0 when flat or falling). */
  readonly trend: number;
  readonly minutes: number;
  /** The level carried forward to the minute expected, along the trend. */
  readonly projected: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * A scope's own level at minute m, from its completed minutes before m − 1: the minute under test
 * (the last 60 s) overlaps m − 1, so a burst that starts there cannot teach its own expectation.
 * A median, so one odd minute does not move it; carried forward along the median growth, so a
 * campaign ramping up organically (0 → 100 a minute over 20 minutes) is expected to keep ramping,
 * while a jump from a quiet start stands out. Null before the scope has a completed minute.
 */
export function ownLevel(series: MinuteSeries, key: SeriesKey, minute: number, historyStart: number, metric: SeriesMetric = 'grants'): OwnLevel | null {
  const to = minute - 1;
  const from = Math.max(historyStart, to - COLD_MINUTES);
  if (from >= to) return null;
  const counts = series.range(key, from, to, metric);
  const last = counts.slice(-COLD_LEVEL_MINUTES);
  const level = median(last);
  const centre = to - 1 - (last.length - 1) / 2;
  const growth = counts.slice(1).map((x, j) => x - counts[j]!);
  const trend = growth.length ? Math.max(0, median(growth)) : 0;
  return { level, trend, minutes: counts.length, projected: level + trend * (minute - centre) };
}

/**
 * Before a day of history: the scope's own level shrunk toward the prior, as a Gamma-Poisson
 * posterior mean would (the prior weighs as PRIOR_MINUTES minutes of traffic). The prior decides
 * the first minutes alone; after five minutes it still weighs 2/7, so a quiet start keeps the
 * expectation modest and a plan never claims more than comparable traffic does.
 */
export function coldStart(prior: ScopePrior, own: OwnLevel | null): number {
  if (!prior.learns || !own) return prior.rate;
  return (PRIOR_MINUTES * prior.rate + own.minutes * own.projected) / (PRIOR_MINUTES + own.minutes);
}

/** An expected rate and what it was built from. */
export interface Expectation {
  readonly rate: number;
  readonly source: 'seasonal' | 'cold-start';
  /** The seasonal profile at this minute (seasonal only). */
  readonly profile: number | null;
  /** The scope's own recent level (cold start only, when it learns and has a completed minute). */
  readonly own: OwnLevel | null;
  readonly prior: ScopePrior;
  readonly level: number;
  /** What campaigns younger than a day add to a seasonal profile. */
  readonly joining: number;
  readonly announced: number;
}

export function expectation(i: BaselineInputs): Expectation {
  const metric = i.metric ?? 'grants';
  const profile = seasonalProfile(i.series, i.key, i.minute, i.historyStart, metric);
  const own = profile === null && i.prior.learns ? ownLevel(i.series, i.key, i.minute, i.historyStart, metric) : null;
  const joining = profile === null ? 0 : (i.joining ?? 0);
  const learned = profile === null ? coldStart(i.prior, own) : profile * i.level + joining;
  return { rate: Math.max(learned, i.announced), source: profile === null ? 'cold-start' : 'seasonal', profile, own, prior: i.prior, level: i.level, joining, announced: i.announced };
}

export const expectedRate = (i: BaselineInputs): number => expectation(i).rate;

const f1 = (x: number) => (Math.round(x * 10) / 10).toString();

/** One line for the alert's evidence: where the expectation came from. */
export function describeExpectation(e: Expectation): string {
  const base =
    e.source === 'seasonal'
      ? `seasonal: median of past days at this minute ${f1(e.profile!)}/min × platform level ${f1(e.level)}${e.joining > 0 ? ` + ${f1(e.joining)}/min expected of its campaigns younger than a day (their cold starts)` : ''}`
      : !e.prior.learns
        ? `cold start (less than a day of history): ${e.prior.basis}`
        : e.own
          ? `cold start (less than a day of history): own last ${e.own.minutes} completed min (median ${f1(e.own.level)}/min, growth ${f1(e.own.trend)}/min per min, carried to ${f1(e.own.projected)}/min) shrunk toward the prior ${f1(e.prior.rate)}/min (${e.prior.basis}), worth ${PRIOR_MINUTES} min`
          : `cold start (no completed minute of its own yet): the prior ${f1(e.prior.rate)}/min (${e.prior.basis})`;
  return e.announced > 0 && e.announced >= e.rate ? `${base}; an announced surge of ${f1(e.announced)}/min sets the floor` : base;
}
