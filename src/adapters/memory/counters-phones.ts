/**
 * Phone numbers seen per scope (campaign) in the last 24 h, for the phone-run signal: an
 * open-addressing hash table of 11-digit numbers → last time seen, in typed arrays, so a new number
 * costs no object. Expired numbers stay until the table next grows, which rebuilds it with only
 * the live ones: memory follows the numbers of the last day, not all numbers ever seen.
 */

const DAY = 86_400_000;

/** Longest number run reported (rules read runs of a handful). */
export const MAX_RUN = 64;

/** The number as a float (exact: 11 digits < 2^53), or -1 when it is not 11 ASCII digits. */
export function phoneNumber(phone: string): number {
  if (phone.length !== 11) return -1;
  let v = 0;
  for (let i = 0; i < 11; i++) {
    const d = phone.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Where a number's probe starts: numbers in one block of 4 start in 4 consecutive cells, so the
 * run walk (a number and its neighbours) touches a cache line or two, not one per neighbour.
 */
const home = (k: number) => {
  const b = Math.floor(k / 4);
  let h = Math.imul((b >>> 0) ^ Math.imul(Math.floor(b / 4_294_967_296), 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b) ^ (h >>> 13);
  return Math.imul(h, 4) + (k % 4);
};

/** [number, last seen] pairs in one array (one cache miss reads both). */
class PhoneTable {
  private cells = new Float64Array(2 * 16);
  private used = 0;
  newest = 0;

  /** Last time seen, NaN when never (0 marks an empty cell: national numbers start with 1). */
  get(k: number): number {
    const c = this.cells;
    const mask = (c.length >> 1) - 1;
    for (let i = home(k) & mask; ; i = (i + 1) & mask) {
      const x = c[2 * i]!;
      if (x === k) return c[2 * i + 1]!;
      if (x === 0) return NaN;
    }
  }

  set(k: number, at: number): void {
    if (at > this.newest) this.newest = at;
    const c = this.cells;
    const mask = (c.length >> 1) - 1;
    for (let i = home(k) & mask; ; i = (i + 1) & mask) {
      const x = c[2 * i]!;
      if (x === k) {
        if (c[2 * i + 1]! < at) c[2 * i + 1] = at;
        return;
      }
      if (x === 0) {
        c[2 * i] = k;
        c[2 * i + 1] = at;
        if (++this.used * 2 > c.length >> 1) this.rebuild(at);
        return;
      }
    }
  }

  /** Keeps the numbers of the last day, in a table a quarter full. */
  private rebuild(at: number): void {
    const old = this.cells;
    let live = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 && old[i + 1]! > at - DAY) live++;
    let cap = 16;
    while (cap < live * 4) cap *= 2;
    this.cells = new Float64Array(2 * cap);
    this.used = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 && old[i + 1]! > at - DAY) this.set(old[i]!, old[i + 1]!);
  }
}

export class PhoneRuns {
  private readonly scopes = new Map<string, PhoneTable>();
  private ops = 0;

  record(scope: string, phone: string, at: number): void {
    const k = phoneNumber(phone);
    if (k <= 0) return;
    let t = this.scopes.get(scope);
    if (!t) this.scopes.set(scope, (t = new PhoneTable()));
    t.set(k, at);
    // Scopes (campaigns) are few: now and then drop those idle for a day.
    if (++this.ops % 4_096 === 0) for (const [s, x] of this.scopes) if (x.newest <= at - DAY) this.scopes.delete(s);
  }

  /**
   * Near-consecutive numbers in one 7-digit segment seen on the same scope within 24 h: walk out
   * from this number while the next seen number is at most 3 away. SIM farms buy numbers in runs.
   * A number that is not 11 digits has no run.
   */
  run(scope: string, phone: string, at: number): number {
    const t = this.scopes.get(scope);
    const me = phoneNumber(phone);
    if (!t || me <= 0) return 0;
    const first = me - (me % 10_000);
    const last = first + 9_999;
    const live = (n: number) => n >= first && n <= last && t.get(n) > at - DAY;
    let count = live(me) ? 1 : 0;
    for (let dir = -1; dir <= 1; dir += 2) {
      let pos = me;
      // A farm may hold thousands of consecutive numbers: past MAX_RUN the answer is "a very long
      // run" anyway, and the walk must not grow with the farm.
      while (count < MAX_RUN) {
        let next = -1;
        for (let g = 1; g <= 3; g++)
          if (live(pos + dir * g)) {
            next = pos + dir * g;
            break;
          }
        if (next < 0) break;
        count++;
        pos = next;
      }
    }
    return count;
  }
}
