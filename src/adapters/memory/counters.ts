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

/**
 * Per entity key: counts of attempts, grants and denials, and distinct accounts. Distinct
 * accounts are counted at each account's latest time: a repeat visit moves the account's single
 * unit from its old bucket to the new one, so a window sum counts each account once.
 */
class Entry {
  private series: (Series | undefined)[] = [];
  private lastSeen: Map<string, number> | undefined;
  lastAt = 0;

  /** Series are made on first use: most keys (one account, one identity) only ever see attempts. */
  metric(m: VelocityMetric): Series {
    const i = METRIC_INDEX[m];
    return (this.series[i] ??= new Series());
  }

  peek(m: VelocityMetric): Series | undefined {
    return this.series[METRIC_INDEX[m]];
  }

  touchAccount(accountId: string, at: number): void {
    const seen = (this.lastSeen ??= new Map());
    const prev = seen.get(accountId);
    const accounts = this.metric('accounts');
    if (prev !== undefined) {
      if (prev >= at) return;
      accounts.add(prev, -1);
    }
    accounts.add(at, 1);
    seen.set(accountId, at);
  }

  prune(at: number): void {
    for (const s of this.series) s?.prune(at);
    if (this.lastSeen) for (const [a, t] of this.lastSeen) if (t < at - DAY) this.lastSeen.delete(a);
  }
}

const METRIC_INDEX: Record<VelocityMetric, number> = { claims: 0, grants: 1, denials: 2, accounts: 3 };

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
      return e?.peek(r.metric)?.sum(req.at, WINDOWS[r.window]) ?? 0;
    });
    const links = req.links.map((l) => this.links.get(`${l.kind}:${l.value}`)?.size ?? 0);
    return { velocity, links, phoneRun: req.phoneRun ? this.run(req.phoneRun.scope, req.phoneRun.phone, req.at) : 0 };
  }

  recordAttempt(e: AttemptEvent): void {
    for (const k of e.keys) {
      const entry = this.entry(`${k.entity}:${k.key}`);
      entry.metric('claims').add(e.at);
      // An account's own key has one distinct account by definition.
      if (k.entity !== 'account') entry.touchAccount(e.accountId, e.at);
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
    for (const k of keys) this.entry(`${k.entity}:${k.key}`).metric(outcome === 'grant' ? 'grants' : 'denials').add(at);
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
      for (;;) {
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
