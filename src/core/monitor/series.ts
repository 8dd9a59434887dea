/**
 * Per-minute series of what happens to coupons, per campaign, coupon type, channel and in total:
 * claims, grants, denials, face value granted, redemptions and value redeemed. Kept in memory by
 * the monitor (a few MB for a week of a few hundred keys) and rebuilt from the store's log.
 */
/**
 * `forged`: claims refused because their code was forged or malformed (forged QR codes in circulation).
 * `cashouts`: redemptions where the coupon pays (almost) all of virtual top-ups, game currency or gift cards.
 */
export const SERIES_METRICS = ['claims', 'grants', 'denials', 'grantFen', 'redemptions', 'redeemFen', 'forged', 'cashouts'] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];
const INDEX: Record<SeriesMetric, number> = { claims: 0, grants: 1, denials: 2, grantFen: 3, redemptions: 4, redeemFen: 5, forged: 6, cashouts: 7 };

export const MINUTE = 60_000;
export const DAY_MINUTES = 1440;
/** History kept: a week for the daily shape, plus a day. */
const KEEP_MINUTES = 8 * DAY_MINUTES;

export type SeriesKey = `campaign:${string}` | `type:${string}` | `channel:${string}` | 'total';

export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE);

export class MinuteSeries {
  private readonly data = new Map<SeriesKey, Map<number, number[]>>();
  private readonly first = new Map<SeriesKey, number>();
  private newest = 0;

  add(key: SeriesKey, at: number, metric: SeriesMetric, n = 1): void {
    const m = minuteOf(at);
    let byMinute = this.data.get(key);
    if (!byMinute) this.data.set(key, (byMinute = new Map()));
    let row = byMinute.get(m);
    if (!row) {
      byMinute.set(m, (row = [0, 0, 0, 0, 0, 0, 0, 0]));
      if (m < (this.first.get(key) ?? Infinity)) this.first.set(key, m);
    }
    row[INDEX[metric]]! += n;
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

  /** Oldest minute with any data for the key, or null. */
  firstMinute(key: SeriesKey): number | null {
    return this.first.get(key) ?? null;
  }

  keys(): SeriesKey[] {
    return [...this.data.keys()];
  }

  private prune(now: number): void {
    for (const [key, byMinute] of this.data) {
      for (const m of byMinute.keys()) if (m < now - KEEP_MINUTES) byMinute.delete(m);
      // History older than what is kept no longer counts as history.
      if ((this.first.get(key) ?? Infinity) < now - KEEP_MINUTES) this.first.set(key, now - KEEP_MINUTES);
    }
  }
}
