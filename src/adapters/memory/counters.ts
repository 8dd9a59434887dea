import type { AttemptEvent, Counters, Snapshot, SnapshotRequest, VelocityMetric } from '../../ports/counters.js';
import { WINDOWS } from '../../ports/counters.js';

const SEC = 1_000;
const MIN = 60_000;
const DAY = 86_400_000;

/**
 * A sparse time series at two resolutions: seconds (kept 1 h, for windows up to 10 min) and
 * minutes (kept 24 h). Adding is O(1); a window sum walks only the buckets that have events.
 */
class Series {
  private secT: number[] = [];
  private secN: number[] = [];
  private minT: number[] = [];
  private minN: number[] = [];

  add(at: number, n = 1): void {
    bump(this.secT, this.secN, Math.floor(at / SEC), n);
    bump(this.minT, this.minN, Math.floor(at / MIN), n);
  }

  sum(at: number, windowMs: number): number {
    const fine = windowMs <= 10 * MIN;
    const t = fine ? this.secT : this.minT;
    const c = fine ? this.secN : this.minN;
    const from = Math.floor((at - windowMs) / (fine ? SEC : MIN));
    let s = 0;
    for (let i = t.length - 1; i >= 0 && t[i]! > from; i--) s += c[i]!;
    return s;
  }

  prune(at: number): boolean {
    dropBefore(this.secT, this.secN, Math.floor((at - 3_600_000) / SEC));
    dropBefore(this.minT, this.minN, Math.floor((at - DAY) / MIN));
    return this.minT.length === 0;
  }
}

function bump(t: number[], n: number[], bucket: number, by: number): void {
  const last = t.length - 1;
  if (last >= 0 && t[last] === bucket) n[last]! += by;
  else if (last >= 0 && t[last]! > bucket) {
    // Out-of-order event (clock skew between callers): find its bucket.
    let i = last;
    while (i >= 0 && t[i]! > bucket) i--;
    if (i >= 0 && t[i] === bucket) n[i]! += by;
    else {
      t.splice(i + 1, 0, bucket);
      n.splice(i + 1, 0, by);
    }
  } else {
    t.push(bucket);
    n.push(by);
  }
}

function dropBefore(t: number[], n: number[], bucket: number): void {
  let k = 0;
  while (k < t.length && t[k]! <= bucket) k++;
  if (k) {
    t.splice(0, k);
    n.splice(0, k);
  }
}

/** Below this many live events a counter keeps exact times; above, it moves to buckets. */
const SMALL = 48;

/**
 * Events of one metric on one key. Most keys (one account, one identity, one IP) see a handful of
 * events: those keep the exact times in one small array. A key that gets busy switches to the
 * bucketed `Series`. This keeps the per-key cost of a new account to a couple of allocations,
 * which is what the decision rate depends on.
 */
class Counter {
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

  sum(at: number, windowMs: number): number {
    if (this.series) return this.series.sum(at, windowMs);
    const t = this.times!;
    const from = at - windowMs;
    let n = 0;
    for (let i = t.length - 1; i >= 0; i--) if (t[i]! > from && t[i]! <= at) n++;
    return n;
  }

  prune(at: number): void {
    if (this.series) this.series.prune(at);
    else if (this.times!.length && this.times![0]! <= at - DAY) this.times = this.times!.filter((x) => x > at - DAY);
  }
}

/**
 * Distinct accounts on one key, each counted at its latest time. Small sets are two parallel
 * arrays; a key with many accounts (a device farm, a campaign) moves to a map plus a series where a
 * repeat visit moves the account's single unit from its old bucket to the new one.
 */
class Distinct {
  private ids: string[] | null = [];
  private last: number[] | null = [];
  private map: Map<string, number> | null = null;
  private series: Series | null = null;

  touch(accountId: string, at: number): void {
    if (this.map) {
      const prev = this.map.get(accountId);
      if (prev !== undefined) {
        if (prev >= at) return;
        this.series!.add(prev, -1);
      }
      this.series!.add(at, 1);
      this.map.set(accountId, at);
      return;
    }
    const i = this.ids!.indexOf(accountId);
    if (i >= 0) {
      if (this.last![i]! < at) this.last![i] = at;
      return;
    }
    this.ids!.push(accountId);
    this.last!.push(at);
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

  count(at: number, windowMs: number): number {
    if (this.series) return this.series.sum(at, windowMs);
    const from = at - windowMs;
    let n = 0;
    for (const t of this.last!) if (t > from && t <= at) n++;
    return n;
  }

  prune(at: number): void {
    if (this.series) {
      this.series.prune(at);
      for (const [a, t] of this.map!) if (t < at - DAY) this.map!.delete(a);
    }
  }
}

/** Per entity key: attempts, grants, denials, and distinct accounts among attempts. */
class Entry {
  private counters: (Counter | undefined)[] = [];
  private distinct: Distinct | undefined;
  lastAt = 0;

  count(m: Exclude<VelocityMetric, 'accounts'>): Counter {
    const i = METRIC_INDEX[m];
    return (this.counters[i] ??= new Counter());
  }

  read(m: VelocityMetric, at: number, windowMs: number): number {
    if (m === 'accounts') return this.distinct?.count(at, windowMs) ?? 0;
    return this.counters[METRIC_INDEX[m]]?.sum(at, windowMs) ?? 0;
  }

  touchAccount(accountId: string, at: number): void {
    (this.distinct ??= new Distinct()).touch(accountId, at);
  }

  prune(at: number): void {
    for (const c of this.counters) c?.prune(at);
    this.distinct?.prune(at);
  }
}

const METRIC_INDEX: Record<Exclude<VelocityMetric, 'accounts'>, number> = { claims: 0, grants: 1, denials: 2 };

/** Longest number run reported (rules read runs of a handful). */
const MAX_RUN = 64;

/** Distinct accounts ever linked to a thing; capped, since past the cap the answer is "very many". */
const LINK_CAP = 100_000;

/** The embedded engine's counters: plain maps in this process. */
export class MemoryCounters implements Counters {
  private readonly entries = new Map<string, Entry>();
  private readonly links = new Map<string, Set<string>>();
  /** scope|segment → suffix number → last seen */
  private readonly phones = new Map<string, Map<number, number>>();
  private sweepCursor: IterableIterator<[string, Entry]> | null = null;
  private ops = 0;

  async snapshot(req: SnapshotRequest): Promise<Snapshot> {
    return this.snapshotSync(req);
  }

  /** The same snapshot without a promise, for in-process benchmarks and backtests. */
  snapshotSync(req: SnapshotRequest): Snapshot {
    const velocity = req.velocity.map((r) => {
      const e = this.entries.get(`${r.entity}:${r.key}`);
      return e?.read(r.metric, req.at, WINDOWS[r.window]) ?? 0;
    });
    const links = req.links.map((l) => this.links.get(`${l.kind}:${l.value}`)?.size ?? 0);
    return { velocity, links, phoneRun: req.phoneRun ? this.run(req.phoneRun.scope, req.phoneRun.phone, req.at) : 0 };
  }

  recordAttempt(e: AttemptEvent): void {
    for (const k of e.keys) {
      const entry = this.entry(`${k.entity}:${k.key}`);
      entry.count('claims').add(e.at);
      // An account's own key has one distinct account by definition; a campaign's distinct
      // accounts would hold every claimant for a day, so campaigns count attempts only.
      if (k.entity !== 'account' && k.entity !== 'campaign') entry.touchAccount(e.accountId, e.at);
      entry.lastAt = Math.max(entry.lastAt, e.at);
    }
    for (const l of e.links) {
      const id = `${l.kind}:${l.value}`;
      let set = this.links.get(id);
      if (!set) this.links.set(id, (set = new Set()));
      if (set.size < LINK_CAP) set.add(e.accountId);
    }
    if (e.phone) {
      const id = `${e.phone.scope}|${e.phone.phone.slice(0, 7)}`;
      let m = this.phones.get(id);
      if (!m) this.phones.set(id, (m = new Map()));
      m.set(Number(e.phone.phone.slice(7)), e.at);
    }
    if (++this.ops % 1024 === 0) this.sweep(e.at);
  }

  recordOutcome(at: number, keys: AttemptEvent['keys'], outcome: 'grant' | 'deny'): void {
    for (const k of keys) this.entry(`${k.entity}:${k.key}`).count(outcome === 'grant' ? 'grants' : 'denials').add(at);
  }

  private entry(id: string): Entry {
    let e = this.entries.get(id);
    if (!e) this.entries.set(id, (e = new Entry()));
    return e;
  }

  /**
   * Near-consecutive numbers in one 7-digit segment claiming the same scope within 24 h: walk out
   * from this number while the next seen number is at most 3 away. SIM farms buy numbers in runs.
   */
  private run(scope: string, phone: string, at: number): number {
    const m = this.phones.get(`${scope}|${phone.slice(0, 7)}`);
    if (!m) return 0;
    const me = Number(phone.slice(7));
    const live = (n: number) => {
      const t = m.get(n);
      return t !== undefined && t > at - DAY;
    };
    let count = live(me) ? 1 : 0;
    for (const dir of [-1, 1]) {
      let pos = me;
      // A farm may hold thousands of consecutive numbers: past MAX_RUN the answer is "a very long
      // run" anyway, and the walk must not grow with the farm.
      while (count < MAX_RUN) {
        let next = -1;
        for (let g = 1; g <= 3; g++) if (live(pos + dir * g)) { next = pos + dir * g; break; }
        if (next < 0) break;
        count++;
        pos = next;
      }
    }
    return count;
  }

  /** Incrementally drops entries idle for 24 h so memory follows the live population. */
  private sweep(at: number): void {
    if (!this.sweepCursor) this.sweepCursor = this.entries.entries();
    for (let i = 0; i < 256; i++) {
      const n = this.sweepCursor.next();
      if (n.done) {
        this.sweepCursor = null;
        return;
      }
      const [id, e] = n.value;
      if (e.lastAt < at - DAY) this.entries.delete(id);
      else e.prune(at);
    }
  }
}
