/**
 * Per-minute series of what happens to coupons, per campaign, coupon type, channel and in total:
 * claims, grants, denials, face value granted, redemptions and value redeemed. Kept in memory by
 * the monitor (a few MB for a week of a few hundred keys) and rebuilt from the store's log.
 */
/**
 * `forged`: claims refused because their code was forged or malformed (forged QR codes in circulation).
 * `cashouts`: redemptions where the coupon pays (almost) all of virtual top-ups, game currency or gift cards.
 * `assessed`: claims the risk engine decided on (allowed, or refused for a risk reason); claims the
 * platform's own checks refused (budget, limits, pauses, codes) are not in it.
 * `risk`: the assessed claims the risk engine held, challenged or denied.
 */
export const SERIES_METRICS = ['claims', 'grants', 'denials', 'grantFen', 'redemptions', 'redeemFen', 'forged', 'cashouts', 'assessed', 'risk'] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];
const INDEX: Record<SeriesMetric, number> = { claims: 0, grants: 1, denials: 2, grantFen: 3, redemptions: 4, redeemFen: 5, forged: 6, cashouts: 7, assessed: 8, risk: 9 };
const emptyRow = (): number[] => SERIES_METRICS.map(() => 0);

export const MINUTE = 60_000;
export const DAY_MINUTES = 1440;
/** History kept: a week for the daily shape, plus a day. */
const KEEP_MINUTES = 8 * DAY_MINUTES;

export type SeriesKey = `campaign:${string}` | `type:${string}` | `channel:${string}` | 'total';

export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE);

export class MinuteSeries {
  private readonly data = new Map<SeriesKey, Map<number, number[]>>();
  private readonly first = new Map<SeriesKey, number>();
  /** Per key and metric: the sum over the minutes kept, and the highest minute ever seen. */
  private readonly sums = new Map<SeriesKey, number[]>();
  private readonly peaks = new Map<SeriesKey, number[]>();
  private newest = 0;

  add(key: SeriesKey, at: number, metric: SeriesMetric, n = 1): void {
    const m = minuteOf(at);
    let byMinute = this.data.get(key);
    if (!byMinute) this.data.set(key, (byMinute = new Map()));
    let row = byMinute.get(m);
    if (!row) {
      byMinute.set(m, (row = emptyRow()));
      if (m < (this.first.get(key) ?? Infinity)) this.first.set(key, m);
    }
    const i = INDEX[metric];
    row[i]! += n;
    rowOf(this.sums, key)[i]! += n;
    const peak = rowOf(this.peaks, key);
    peak[i] = Math.max(peak[i]!, row[i]!);
    if (m > this.newest) {
      if (m - this.newest > 60) this.prune(m);
      this.newest = m;
    }
  }

  get(key: SeriesKey, minute: number, metric: SeriesMetric): number {
    return this.data.get(key)?.get(minute)?.[INDEX[metric]] ?? 0;
  }

  /** Values for minutes [from, to), oldest first. */
  range(key: SeriesKey, from: number, to: number, metric: SeriesMetric): number[] {
    const out: number[] = [];
    for (let m = from; m < to; m++) out.push(this.get(key, m, metric));
    return out;
  }

  /** The sum over every minute kept (a week and a day), without walking them. */
  total(key: SeriesKey, metric: SeriesMetric): number {
    return this.sums.get(key)?.[INDEX[metric]] ?? 0;
  }

  /** The most the key has ever counted in one minute. */
  peak(key: SeriesKey, metric: SeriesMetric): number {
    return this.peaks.get(key)?.[INDEX[metric]] ?? 0;
  }

  /** Oldest minute with any data for the key, or null. */
  firstMinute(key: SeriesKey): number | null {
    return this.first.get(key) ?? null;
  }

  keys(): SeriesKey[] {
    return [...this.data.keys()];
  }

  private prune(now: number): void {
    for (const [key, byMinute] of this.data) {
      const sums = rowOf(this.sums, key);
      for (const [m, row] of byMinute) {
        if (m >= now - KEEP_MINUTES) continue;
        for (let i = 0; i < row.length; i++) sums[i]! -= row[i]!;
        byMinute.delete(m);
      }
      // History older than what is kept no longer counts as history.
      if ((this.first.get(key) ?? Infinity) < now - KEEP_MINUTES) this.first.set(key, now - KEEP_MINUTES);
    }
  }
}

function rowOf(rows: Map<SeriesKey, number[]>, key: SeriesKey): number[] {
  let row = rows.get(key);
  if (!row) rows.set(key, (row = emptyRow()));
  return row;
}
