/**
 * The heavy tier of the in-memory counters: what a key turns into once it has more events than
 * its few inline slots hold (a campaign, a busy device, IP or network). Exact up to `SMALL`
 * events per metric; past that, per-second and per-minute buckets with running window sums.
 *
 * Windows are indexed as in `WINDOWS`: 0 = 1 min, 1 = 10 min, 2 = 1 h, 3 = 24 h. A window at time
 * `at` holds the events with `at - w < t <= at`. In buckets it holds the buckets after the one
 * that contains `at - w`, so it may miss events of the oldest second (1 min and 10 min windows)
 * or the oldest minute (1 h and 24 h) — never more than that one bucket, never an event too many.
 */

const SEC = 1_000;
const MIN = 60_000;
const DAY = 86_400_000;

/** Window index → [resolution, width in buckets, which running sum]. */
const PLAN: readonly (readonly [res: 'sec' | 'min', width: number, narrow: boolean])[] = [
  ['sec', 60, true],
  ['sec', 600, false],
  ['min', 60, true],
  ['min', 1_440, false],
];

/**
 * Counts per bucket at one resolution, kept for the widest window, with the sums of a narrow and
 * a wide trailing window kept current as time moves: adding and reading are O(1) amortized.
 */
class Buckets {
  private b: number[] = [];
  private n: number[] = [];
  /** The newest bucket seen; the sums cover (head - width, head]. */
  private head = -Infinity;
  private pNarrow = 0;
  private pWide = 0;
  private sNarrow = 0;
  private sWide = 0;

  constructor(
    private readonly narrow: number,
    private readonly wide: number,
  ) {}

  add(bucket: number, by: number): void {
    if (bucket > this.head) this.advance(bucket);
    // Older than the widest window: no read at or after `head` sees it.
    else if (bucket <= this.head - this.wide) return;
    const b = this.b;
    let i = b.length - 1;
    while (i >= 0 && b[i]! > bucket) i--;
    if (i >= 0 && b[i] === bucket) this.n[i]! += by;
    else {
      // Out of order (clock skew between callers) or new at the end.
      b.splice(i + 1, 0, bucket);
      this.n.splice(i + 1, 0, by);
      // Inserted before the narrow window's first bucket: that pointer moves with it.
      if (bucket <= this.head - this.narrow) this.pNarrow++;
    }
    if (bucket > this.head - this.narrow) this.sNarrow += by;
    this.sWide += by;
  }

  sum(bucket: number, narrow: boolean): number {
    if (bucket >= this.head) {
      this.advance(bucket);
      return narrow ? this.sNarrow : this.sWide;
    }
    // A read older than the newest event (skew): walk the window.
    const from = bucket - (narrow ? this.narrow : this.wide);
    let s = 0;
    for (let i = this.b.length - 1; i >= this.pWide && this.b[i]! > from; i--) if (this.b[i]! <= bucket) s += this.n[i]!;
    return s;
  }

  get size(): number {
    return this.b.length - this.pWide;
  }

  private advance(to: number): void {
    this.head = to;
    const b = this.b;
    const n = this.n;
    while (this.pNarrow < b.length && b[this.pNarrow]! <= to - this.narrow) this.sNarrow -= n[this.pNarrow++]!;
    while (this.pWide < b.length && b[this.pWide]! <= to - this.wide) this.sWide -= n[this.pWide++]!;
    // Buckets before pWide are out of every window: drop them once they are half the array.
    if (this.pWide > 32 && this.pWide * 2 > b.length) {
      b.splice(0, this.pWide);
      n.splice(0, this.pWide);
      this.pNarrow -= this.pWide;
      this.pWide = 0;
    }
  }
}

/** A time series at two resolutions: seconds for the 1 and 10 min windows, minutes for 1 and 24 h. */
export class Series {
  private readonly sec = new Buckets(60, 600);
  private readonly min = new Buckets(60, 1_440);

  add(at: number, by = 1): void {
    this.sec.add(Math.floor(at / SEC), by);
    this.min.add(Math.floor(at / MIN), by);
  }

  sum(at: number, window: number): number {
    const [res, , narrow] = PLAN[window]!;
    return res === 'sec' ? this.sec.sum(Math.floor(at / SEC), narrow) : this.min.sum(Math.floor(at / MIN), narrow);
  }

  /** Live buckets held, for tests of bounded memory. */
  get size(): number {
    return this.sec.size + this.min.size;
  }
}

/** Below this many live events a heavy counter keeps exact times; above, it moves to buckets. */
export const SMALL = 48;

export const WINDOW_MS: readonly number[] = [60_000, 600_000, 3_600_000, DAY];

/** Events of one metric on one key: exact times while few, a `Series` once busy. */
export class Counter {
  private times: number[] | null = [];
  private series: Series | null = null;

  add(at: number): void {
    if (this.series) return this.series.add(at);
    const t = this.times!;
    t.push(at);
    if (t.length > SMALL) {
      if (t[0]! <= at - DAY) this.times = t.filter((x) => x > at - DAY);
      if (this.times!.length > SMALL) {
        this.series = new Series();
        for (const x of this.times!) this.series.add(x);
        this.times = null;
      }
    }
  }

  sum(at: number, window: number): number {
    if (this.series) return this.series.sum(at, window);
    const t = this.times!;
    const from = at - WINDOW_MS[window]!;
    let n = 0;
    for (let i = t.length - 1; i >= 0; i--) if (t[i]! > from && t[i]! <= at) n++;
    return n;
  }

  prune(at: number): void {
    if (this.times?.length && this.times[0]! <= at - DAY) this.times = this.times.filter((x) => x > at - DAY);
  }
}

/**
 * Distinct accounts (by number) on one key, each counted at its latest time. Small sets are two
 * parallel arrays; a key with many accounts (a device farm, a busy network) moves to a map plus a
 * series where a repeat visit moves the account's single unit from its old bucket to the new one.
 */
export class Distinct {
  private ids: number[] | null;
  private last: number[] | null;
  private map: Map<number, number> | null = null;
  private series: Series | null = null;

  constructor(ids: number[] = [], last: number[] = []) {
    this.ids = ids;
    this.last = last;
  }

  touch(account: number, at: number): void {
    if (this.map) {
      const prev = this.map.get(account);
      if (prev !== undefined) {
        if (prev >= at) return;
        this.series!.add(prev, -1);
      }
      this.series!.add(at, 1);
      this.map.set(account, at);
      return;
    }
    const i = this.ids!.indexOf(account);
    if (i >= 0) {
      if (this.last![i]! < at) this.last![i] = at;
      return;
    }
    this.ids!.push(account);
    this.last!.push(at);
    if (this.ids!.length > SMALL) {
      this.prune(at);
      if (this.ids!.length > SMALL) {
        this.map = new Map();
        this.series = new Series();
        this.ids!.forEach((id, k) => {
          this.map!.set(id, this.last![k]!);
          this.series!.add(this.last![k]!, 1);
        });
        this.ids = this.last = null;
      }
    }
  }

  count(at: number, window: number): number {
    if (this.series) return this.series.sum(at, window);
    const from = at - WINDOW_MS[window]!;
    let n = 0;
    for (const t of this.last!) if (t > from && t <= at) n++;
    return n;
  }

  /** Forgets accounts last seen a day ago: they are in no window any more. */
  prune(at: number): void {
    if (this.map) {
      for (const [a, t] of this.map) if (t <= at - DAY) this.map.delete(a);
      return;
    }
    const keep = this.last!.map((t) => t > at - DAY);
    if (keep.every(Boolean)) return;
    this.ids = this.ids!.filter((_, k) => keep[k]);
    this.last = this.last!.filter((_, k) => keep[k]);
  }
}
