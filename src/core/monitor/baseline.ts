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
 * - **Priors** where history is missing: a new campaign expects its plan (budget over duration); a
 *   special or channel-locked one expects almost nothing online; an announced surge (flash sale)
 *   sets the floor while it lasts.
 * The detectors (detect.ts) then compare counts with this rate on a variance-stabilised scale.
 */
export interface BaselineInputs {
  readonly series: MinuteSeries;
  readonly key: SeriesKey;
  readonly minute: number;
  /** Global level (see `levelOf`). */
  readonly level: number;
  /** Per-minute rate to expect without history. */
  readonly prior: number;
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

export function expectedRate(i: BaselineInputs): number {
  const profile = seasonalProfile(i.series, i.key, i.minute, i.historyStart, i.metric ?? 'grants');
  const learned = profile === null ? i.prior : profile * i.level;
  return Math.max(learned, i.announced);
}
