import { randomBytes } from 'node:crypto';
import type { AttemptEvent, Counters, LinkKind, Snapshot, SnapshotRequest, VelocityEntity, VelocityKeys, VelocitySpec } from '../../ports/counters.js';
import { LINK_KINDS, VELOCITY_ENTITIES, VELOCITY_METRICS, WINDOWS } from '../../ports/counters.js';
import { PhoneRuns } from './counters-phones.js';
import { Counter, Distinct, WINDOW_MS } from './counters-series.js';
import { grown, Slots, type Payload } from './counters-slots.js';

/**
 * The embedded engine's counters, shaped for the decision rate (issue 3: ≥ 100,000 whole decisions
 * per second on one core). Nearly every claim brings keys never seen before (its account, identity,
 * phone, often its IP), so the cost that matters is what a new key costs: the cache misses of
 * finding it, and the garbage collector's work for every object it keeps. So a key is a slot
 * number and its state lives in typed arrays shared by all keys — no object or string per key:
 *
 * - keys are found by a 64-bit fingerprint of (kind, key) in an open-addressing index (`Slots`:
 *   one cache line per lookup, no string kept; two keys would share counters only if their
 *   fingerprints collide: below n²/2⁶⁵ for n live keys in a table, 3·10⁻⁶ at ten million);
 * - an attempt fingerprints all its keys first and loads their index cells together, so the
 *   cache misses overlap; the snapshot read right after reuses the slots it found;
 * - per slot, up to 8 exact events (claims, grants, denials together) and up to 4 distinct
 *   accounts with their latest times, inline; a key that outgrows them moves to the heavy tier
 *   (`counters-series.ts`: exact up to 48 events per metric, then per-second/per-minute buckets
 *   with running window sums, whose only error is part of a window's oldest bucket — and, for a
 *   read older than events already counted, its newest);
 * - accounts are numbered once (the account's slot carries its number), so distinct-account sets
 *   and link sets hold 32-bit numbers, not strings;
 * - link sets keep 2 accounts inline, then a `Set` of numbers, capped at 100,000 as before;
 * - phone runs: an open-addressing table of numbers per campaign (`counters-phones.ts`).
 *
 * Memory is bounded per key and follows the live population: each attempt sweeps twice as many
 * slots as it made, freeing velocity keys idle for 24 h and link keys (and account numbers) idle
 * for `linkIdleMs` (default 7 days); the tables themselves keep their size (they grow by doubling
 * and are reused through a free list). "Distinct accounts ever seen with a thing" therefore means:
 * ever, while the thing stays in use; a thing unused for a week starts again from zero, as it does
 * after a restart (which rebuilds only the last 24 h). An account unseen for a week that comes back
 * gets a new number, so a link set that stayed in use counts it again.
 *
 * Small keys are exact; the bucket rule and fingerprint collisions are the only approximations.
 * `counters.property.test.ts` checks both tiers against a naive implementation.
 */

const DAY = 86_400_000;

/** Inline events per key (claims, grants and denials together). */
const EVENTS = 8;
/** Inline distinct accounts per key. */
const MEMBERS = 4;
/** Inline linked accounts per thing. */
const LINKED = 2;
/** `en`/`dn` value of a key moved to the heavy tier. */
const HEAVY = 255;
/**
 * Slots an attempt looks at for expiry, per slot it made: more than it makes, so a full pass ends
 * before the table can double, and memory stays within twice the live keys.
 */
const SWEEP_PER_NEW = 2;
/** And at least this many, so the heavy tier of busy keys is pruned when nothing new arrives. */
const SWEEP_MIN = 1;

/** Distinct accounts ever linked to a thing; capped, since past the cap the answer is "very many". */
const LINK_CAP = 100_000;

const E = Object.fromEntries(VELOCITY_ENTITIES.map((e, i) => [e, i])) as Record<VelocityEntity, number>;
const L = Object.fromEntries(LINK_KINDS.map((k, i) => [k, i])) as Record<LinkKind, number>;
const M = Object.fromEntries(VELOCITY_METRICS.map((m, i) => [m, i])) as Record<(typeof VELOCITY_METRICS)[number], number>;
const W = Object.fromEntries(Object.keys(WINDOWS).map((w, i) => [w, i])) as Record<keyof typeof WINDOWS, number>;
const CLAIMS = M.claims;
const ACCOUNTS = M.accounts;

/** Velocity per entity key: inline events and distinct accounts, a heavy tier past them. */
class Velocity implements Payload {
  readonly slots: Slots;
  /** Event times, metrics and counts per slot. */
  private ev = new Float64Array(0);
  private em = new Uint8Array(0);
  private en = new Uint8Array(0);
  /** Distinct accounts (numbers), their latest times and counts per slot. */
  private dm = new Uint32Array(0);
  private dt = new Float64Array(0);
  private dn = new Uint8Array(0);
  /** An account key's account number (not reused before 2³² accounts; 0 = none yet). */
  private num = new Uint32Array(0);
  private accounts = 0;
  private readonly heavy = new Map<number, (Counter | undefined)[]>();
  private readonly heavyDistinct = new Map<number, Distinct>();

  constructor(accountIdleMs: number, seeds: Int32Array) {
    this.slots = new Slots(
      VELOCITY_ENTITIES.map((e) => (e === 'account' ? Math.max(DAY, accountIdleMs) : DAY)),
      this,
      seeds[0]!,
      seeds[1]!,
    );
  }

  /** The account's slot (made if new; `h`, `g`: the id's fingerprint), which carries its number. */
  account(h: number, g: number, at: number): number {
    const s = this.slots.openAt(E.account, h, g, at);
    if (this.num[s] === 0) this.num[s] = this.accounts = (this.accounts + 1) >>> 0 || 1;
    return s;
  }

  numberOf(slot: number): number {
    return this.num[slot]!;
  }

  addEvent(s: number, metric: number, at: number): void {
    let n = this.en[s]!;
    if (n === HEAVY) return this.counter(s, metric).add(at);
    const base = s * EVENTS;
    if (n === EVENTS) {
      let k = 0;
      for (let i = 0; i < EVENTS; i++)
        if (this.ev[base + i]! > at - DAY) {
          this.ev[base + k] = this.ev[base + i]!;
          this.em[base + k++] = this.em[base + i]!;
        }
      n = k;
      if (n === EVENTS) {
        const order = Array.from({ length: EVENTS }, (_, i) => i).sort((a, b) => this.ev[base + a]! - this.ev[base + b]!);
        this.heavy.set(s, []);
        this.en[s] = HEAVY;
        for (const i of order) this.counter(s, this.em[base + i]!).add(this.ev[base + i]!);
        return this.counter(s, metric).add(at);
      }
    }
    this.ev[base + n] = at;
    this.em[base + n] = metric;
    this.en[s] = n + 1;
  }

  events(s: number, metric: number, at: number, window: number): number {
    const n = this.en[s]!;
    if (n === HEAVY) return this.heavy.get(s)![metric]?.sum(at, window) ?? 0;
    const base = s * EVENTS;
    const from = at - WINDOW_MS[window]!;
    let c = 0;
    for (let i = base; i < base + n; i++) if (this.em[i] === metric && this.ev[i]! > from && this.ev[i]! <= at) c++;
    return c;
  }

  touch(s: number, account: number, at: number): void {
    let n = this.dn[s]!;
    if (n === HEAVY) return this.heavyDistinct.get(s)!.touch(account, at);
    const base = s * MEMBERS;
    for (let i = base; i < base + n; i++)
      if (this.dm[i] === account) {
        if (this.dt[i]! < at) this.dt[i] = at;
        return;
      }
    if (n === MEMBERS) {
      let k = 0;
      for (let i = 0; i < MEMBERS; i++)
        if (this.dt[base + i]! > at - DAY) {
          this.dm[base + k] = this.dm[base + i]!;
          this.dt[base + k++] = this.dt[base + i]!;
        }
      n = k;
      if (n === MEMBERS) {
        const d = new Distinct(Array.from(this.dm.subarray(base, base + n)), Array.from(this.dt.subarray(base, base + n)));
        d.touch(account, at);
        this.heavyDistinct.set(s, d);
        this.dn[s] = HEAVY;
        return;
      }
    }
    this.dm[base + n] = account;
    this.dt[base + n] = at;
    this.dn[s] = n + 1;
  }

  distinct(s: number, at: number, window: number): number {
    const n = this.dn[s]!;
    if (n === HEAVY) return this.heavyDistinct.get(s)!.count(at, window);
    const base = s * MEMBERS;
    const from = at - WINDOW_MS[window]!;
    let c = 0;
    for (let i = base; i < base + n; i++) if (this.dt[i]! > from && this.dt[i]! <= at) c++;
    return c;
  }

  resize(cap: number): void {
    this.ev = grown(this.ev, cap * EVENTS, (n) => new Float64Array(n));
    this.em = grown(this.em, cap * EVENTS, (n) => new Uint8Array(n));
    this.en = grown(this.en, cap, (n) => new Uint8Array(n));
    this.dm = grown(this.dm, cap * MEMBERS, (n) => new Uint32Array(n));
    this.dt = grown(this.dt, cap * MEMBERS, (n) => new Float64Array(n));
    this.dn = grown(this.dn, cap, (n) => new Uint8Array(n));
    this.num = grown(this.num, cap, (n) => new Uint32Array(n));
  }

  clear(s: number): void {
    this.en[s] = 0;
    this.dn[s] = 0;
    this.num[s] = 0;
    this.heavy.delete(s);
    this.heavyDistinct.delete(s);
  }

  prune(s: number, at: number): void {
    if (this.en[s] === HEAVY) for (const c of this.heavy.get(s)!) c?.prune(at);
    if (this.dn[s] === HEAVY) this.heavyDistinct.get(s)!.prune(at);
  }

  private counter(s: number, metric: number): Counter {
    const cs = this.heavy.get(s)!;
    return (cs[metric] ??= new Counter());
  }
}

/** Distinct accounts ever seen with a thing: 2 inline, then a capped set. */
class Links implements Payload {
  readonly slots: Slots;
  private lm = new Uint32Array(0);
  private ln = new Uint32Array(0);
  private readonly heavy = new Map<number, Set<number>>();

  constructor(idleMs: number, seeds: Int32Array) {
    this.slots = new Slots(
      LINK_KINDS.map(() => idleMs),
      this,
      seeds[2]!,
      seeds[3]!,
    );
  }

  add(s: number, account: number): void {
    const n = this.ln[s]!;
    if (n > LINKED) {
      const set = this.heavy.get(s)!;
      if (set.size < LINK_CAP) this.ln[s] = set.add(account).size;
      return;
    }
    const base = s * LINKED;
    for (let i = base; i < base + n; i++) if (this.lm[i] === account) return;
    if (n < LINKED) {
      this.lm[base + n] = account;
      this.ln[s] = n + 1;
      return;
    }
    const set = new Set(this.lm.subarray(base, base + n)).add(account);
    this.heavy.set(s, set);
    this.ln[s] = set.size;
  }

  count(s: number): number {
    return this.ln[s]!;
  }

  resize(cap: number): void {
    this.lm = grown(this.lm, cap * LINKED, (n) => new Uint32Array(n));
    this.ln = grown(this.ln, cap, (n) => new Uint32Array(n));
  }

  clear(s: number): void {
    this.ln[s] = 0;
    this.heavy.delete(s);
  }

  prune(): void {}
}

/** A policy's velocity reads as numbers, made once per reads list. */
interface Plan {
  readonly entity: Uint8Array;
  readonly metric: Uint8Array;
  readonly window: Uint8Array;
}

const plans = new WeakMap<readonly VelocitySpec[], Plan>();
function planOf(specs: readonly VelocitySpec[]): Plan {
  let p = plans.get(specs);
  if (!p) {
    p = {
      entity: Uint8Array.from(specs, (s) => E[s.entity]),
      metric: Uint8Array.from(specs, (s) => M[s.metric]),
      window: Uint8Array.from(specs, (s) => W[s.window]),
    };
    plans.set(specs, p);
  }
  return p;
}

export interface MemoryCountersOptions {
  /** A thing (and an account's number) unused this long is forgotten. Default 7 days. */
  readonly linkIdleMs?: number;
}

export class MemoryCounters implements Counters {
  private readonly velocity: Velocity;
  private readonly links: Links;
  private readonly phones = new PhoneRuns();
  /** Scratch: per entity, its slot in the snapshot being read (-2 = not looked up yet, -1 = none). */
  private readonly slotOf = new Int32Array(VELOCITY_ENTITIES.length);
  /** Scratch: the slots of the last recorded attempt's keys (-1 = none) and links. */
  private readonly attemptSlots = new Int32Array(VELOCITY_ENTITIES.length);
  private attemptLinks = new Int32Array(16);
  /** Scratch: fingerprints of the attempt's account id and keys (at `fpAt[entity]`), and of its links. */
  private readonly keyFp = new Int32Array(2 * (VELOCITY_ENTITIES.length + 1));
  private readonly fpAt = new Int32Array(VELOCITY_ENTITIES.length);
  private linkFp = new Int32Array(32);
  /** Where the prefetching loads go, so the compiler keeps them. */
  sink = 0;

  constructor(opts: MemoryCountersOptions = {}) {
    const idle = opts.linkIdleMs ?? 7 * DAY;
    const seeds = new Int32Array(randomBytes(16).buffer);
    this.velocity = new Velocity(idle, seeds);
    this.links = new Links(idle, seeds);
  }

  snapshot(req: SnapshotRequest, attempt?: AttemptEvent): Snapshot {
    const { at, keys } = req;
    const made = [this.velocity.slots.made, this.links.slots.made] as const;
    if (attempt) this.record(attempt);
    const plan = planOf(req.velocity);
    // The slots the attempt just resolved serve the reads when they are for the same keys.
    const slotOf = attempt?.keys === keys ? this.attemptSlots : this.slotOf.fill(-2);
    const v = this.velocity;
    const velocity = new Array<number>(plan.entity.length);
    for (let i = 0; i < velocity.length; i++) {
      const e = plan.entity[i]!;
      let s = slotOf[e]!;
      if (s === -2) {
        const key = keys[VELOCITY_ENTITIES[e]!];
        slotOf[e] = s = key == null ? -1 : v.slots.find(e, key);
      }
      const m = plan.metric[i]!;
      velocity[i] = s < 0 ? 0 : m === ACCOUNTS ? v.distinct(s, at, plan.window[i]!) : v.events(s, m, at, plan.window[i]!);
    }
    const sameLinks = attempt?.links === req.links;
    const links = new Array<number>(req.links.length);
    for (let i = 0; i < links.length; i++) {
      const l = req.links[i]!;
      const s = sameLinks ? this.attemptLinks[i]! : this.links.slots.find(L[l.kind], l.value);
      links[i] = s < 0 ? 0 : this.links.count(s);
    }
    const phoneRun = req.phoneRun ? this.phones.run(req.phoneRun.scope, req.phoneRun.phone, at) : 0;
    if (attempt) this.sweep(at, made);
    return { velocity, links, phoneRun };
  }

  recordAttempt(e: AttemptEvent): void {
    const made = [this.velocity.slots.made, this.links.slots.made] as const;
    this.record(e);
    this.sweep(e.at, made);
  }

  /**
   * Counts an attempt; leaves the slots of its keys and links in `attemptSlots` and `attemptLinks`.
   * First it fingerprints every key and link and loads their index cells in one tight loop: most
   * are cache misses (keys never seen, or not for a while), and issued together they overlap
   * instead of each waiting for the one before.
   */
  private record(e: AttemptEvent): void {
    const { at, keys } = e;
    const v = this.velocity;
    const n = e.links.length;
    if (this.attemptLinks.length < n) {
      this.attemptLinks = new Int32Array(n * 2);
      this.linkFp = new Int32Array(n * 4);
    }
    // Fingerprints: the account id first, then each entity's key (packed; `fpAt` finds them).
    const fp = this.keyFp;
    const fpAt = this.fpAt;
    const lfp = this.linkFp;
    v.slots.fingerprint(E.account, e.accountId, fp, 0);
    let m = 1;
    for (let k = 0; k < VELOCITY_ENTITIES.length; k++) {
      const key = keys[VELOCITY_ENTITIES[k]!];
      if (key == null) continue;
      v.slots.fingerprint(k, key, fp, 2 * m);
      fpAt[k] = 2 * m++;
    }
    for (let i = 0; i < n; i++) this.links.slots.fingerprint(L[e.links[i]!.kind], e.links[i]!.value, lfp, 2 * i);
    this.sink = v.slots.prefetch(fp, m) | this.links.slots.prefetch(lfp, n);

    const accountSlot = v.account(fp[0]!, fp[1]!, at);
    const me = v.numberOf(accountSlot);
    const slots = this.attemptSlots;
    for (let k = 0; k < VELOCITY_ENTITIES.length; k++) {
      const key = keys[VELOCITY_ENTITIES[k]!];
      if (key == null) {
        slots[k] = -1;
        continue;
      }
      const s = (slots[k] = k === E.account && key === e.accountId ? accountSlot : v.slots.openAt(k, fp[fpAt[k]!]!, fp[fpAt[k]! + 1]!, at));
      v.addEvent(s, CLAIMS, at);
      // An account's own key has one distinct account by definition; a campaign's distinct
      // accounts would hold every claimant for a day, so campaigns count attempts only.
      if (k !== E.account && k !== E.campaign) v.touch(s, me, at);
    }
    for (let i = 0; i < n; i++) {
      const s = (this.attemptLinks[i] = this.links.slots.openAt(L[e.links[i]!.kind], lfp[2 * i]!, lfp[2 * i + 1]!, at));
      this.links.add(s, me);
    }
    if (e.phone) this.phones.record(e.phone.scope, e.phone.phone, at);
  }

  /** Expiry keeps pace with what this attempt made (`made`: the counts before it). */
  private sweep(at: number, made: readonly [number, number]): void {
    const v = this.velocity.slots;
    const l = this.links.slots;
    v.sweep(at, SWEEP_MIN + SWEEP_PER_NEW * (v.made - made[0]));
    l.sweep(at, SWEEP_MIN + SWEEP_PER_NEW * (l.made - made[1]));
  }

  recordOutcome(at: number, keys: VelocityKeys, outcome: 'grant' | 'deny'): void {
    const metric = outcome === 'grant' ? M.grants : M.denials;
    const v = this.velocity;
    for (let k = 0; k < VELOCITY_ENTITIES.length; k++) {
      const key = keys[VELOCITY_ENTITIES[k]!];
      if (key != null) v.addEvent(v.slots.open(k, key, at), metric, at);
    }
  }

  /** Keys held, for tests and the bench: velocity keys (accounts included) and linked things. */
  get size(): { velocity: number; links: number } {
    return { velocity: this.velocity.slots.size, links: this.links.slots.size };
  }

}
