/**
 * The index of the in-memory counters: keys → slot numbers, found by a 64-bit fingerprint, with a
 * free list and an incremental expiry sweep. What a slot holds lives in typed arrays of the table
 * that owns the index (its `Payload`).
 */

/** `kind` of a free slot. */
const FREE = 255;

export function grown<T extends Float64Array | Uint8Array | Uint32Array | Int32Array>(a: T, len: number, make: (n: number) => T): T {
  const b = make(len);
  b.set(a);
  return b;
}

/** What a table keeps per slot, beside the key and its last use. */
export interface Payload {
  resize(cap: number): void;
  clear(slot: number): void;
  prune(slot: number, at: number): void;
}

/**
 * The key's fingerprint: two 32-bit hashes of (kind, key) in one pass (FNV-1a style lanes with
 * different primes and seeds, each finished with murmur3's mixer). `fp1` places the key in the
 * index; the pair identifies it.
 */
let fp1 = 0;
let fp2 = 0;
function fingerprint(seed1: number, seed2: number, kind: number, key: string): void {
  let a = seed1 ^ Math.imul(kind + 1, 0x9e3779b1);
  let b = seed2 ^ Math.imul(kind + 1, 0x85ebca77);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  a ^= key.length;
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  fp1 = a ^ (a >>> 16);
  b ^= b >>> 15;
  b = Math.imul(b, 0x2c1b3c6d);
  b ^= b >>> 12;
  b = Math.imul(b, 0x297a2d39);
  fp2 = b ^ (b >>> 15);
}

/**
 * Keys → slot numbers, per kind, with a free list and an incremental expiry sweep.
 *
 * A key is known by its 64-bit fingerprint, not kept as a string: the index is an open-addressing
 * table (linear probing) of [fp1, fp2, slot + 1, _] in one `Int32Array`. Why: most lookups are for
 * keys never seen, and in a table of millions a `Map` walks a chain comparing candidate keys, a
 * cache miss each; here a lookup costs the one cache line its cell is on. And with no string per
 * key, the garbage collector has nothing to copy or trace for it (about 50 bytes less per key).
 * The price: two keys with the same fingerprint would share their counters. With seeds drawn per
 * process and the fingerprint behaving as random, the chance that any two of n live keys in
 * the table collide is below n²/2⁶⁵: 3·10⁻⁶ with ten million.
 */
export class Slots {
  private cells = new Int32Array(4 * 1_024);
  private fp = new Int32Array(0);
  private kind = new Uint8Array(0);
  private last = new Float64Array(0);
  private cap = 0;
  private top = 0;
  private readonly free: number[] = [];
  private cursor = 0;
  /** Slots made so far (the sweep keeps pace with it). */
  made = 0;

  constructor(
    /** Per kind: a slot unused this long is freed. */
    private readonly ttl: readonly number[],
    private readonly payload: Payload,
    private readonly seed1: number,
    private readonly seed2: number,
  ) {}

  find(kind: number, key: string): number {
    fingerprint(this.seed1, this.seed2, kind, key);
    const h = fp1;
    const g = fp2;
    const c = this.cells;
    const mask = (c.length >> 2) - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = c[4 * i + 2]!;
      if (s === 0) return -1;
      if (c[4 * i] === h && c[4 * i + 1] === g) return s - 1;
    }
  }

  /** The key's slot, made if new; marks it used at `at`. */
  open(kind: number, key: string, at: number): number {
    fingerprint(this.seed1, this.seed2, kind, key);
    return this.openAt(kind, fp1, fp2, at);
  }

  /** Fingerprints the key into `out[at]`, `out[at + 1]`. */
  fingerprint(kind: number, key: string, out: Int32Array, at: number): void {
    fingerprint(this.seed1, this.seed2, kind, key);
    out[at] = fp1;
    out[at + 1] = fp2;
  }

  /**
   * Loads the index cells of `n` fingerprints (pairs in `fps`), to have their cache lines at hand:
   * a loop of loads and nothing else, so the misses are in flight together. Returns a value only
   * so the loads are kept.
   */
  prefetch(fps: Int32Array, n: number): number {
    const c = this.cells;
    const mask = (c.length >> 2) - 1;
    let x = 0;
    for (let i = 0; i < n; i++) x |= c[4 * (fps[2 * i]! & mask) + 2]!;
    return x;
  }

  /** `open` for a key already fingerprinted. */
  openAt(kind: number, h: number, g: number, at: number): number {
    const c = this.cells;
    const mask = (c.length >> 2) - 1;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const s = c[4 * i + 2]! - 1;
      if (s < 0) break;
      if (c[4 * i] === h && c[4 * i + 1] === g) {
        if (this.last[s]! < at) this.last[s] = at;
        return s;
      }
    }
    const s = this.free.pop() ?? this.next();
    this.made++;
    this.kind[s] = kind;
    this.fp[2 * s] = h;
    this.fp[2 * s + 1] = g;
    this.last[s] = at;
    if (this.cells === c) {
      c[4 * i] = h;
      c[4 * i + 1] = g;
      c[4 * i + 2] = s + 1;
    } else this.insert(h, g, s); // the table grew: find the cell again
    return s;
  }

  /** Looks at the next `steps` slots: frees the expired, lets the payload prune the rest. */
  sweep(at: number, steps: number): void {
    for (let i = 0; i < steps; i++) {
      if (this.cursor >= this.top) {
        this.cursor = 0;
        if (this.top === 0) return;
      }
      const s = this.cursor++;
      const k = this.kind[s]!;
      if (k === FREE) continue;
      if (this.last[s]! <= at - this.ttl[k]!) {
        this.remove(this.fp[2 * s]!, s);
        this.kind[s] = FREE;
        this.payload.clear(s);
        this.free.push(s);
      } else this.payload.prune(s, at);
    }
  }

  /** Keys held. */
  get size(): number {
    return this.top - this.free.length;
  }

  private insert(h: number, g: number, s: number): void {
    const c = this.cells;
    const mask = (c.length >> 2) - 1;
    let i = h & mask;
    while (c[4 * i + 2] !== 0) i = (i + 1) & mask;
    c[4 * i] = h;
    c[4 * i + 1] = g;
    c[4 * i + 2] = s + 1;
  }

  /** Deletes slot `s` from the index, shifting back the entries its cell was holding up. */
  private remove(h: number, s: number): void {
    const c = this.cells;
    const mask = (c.length >> 2) - 1;
    let i = h & mask;
    while (c[4 * i + 2] !== s + 1) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; c[4 * j + 2] !== 0; j = (j + 1) & mask) {
      const home = c[4 * j]! & mask;
      // Entry j stays if its home lies cyclically in (i, j]; otherwise it moves into the hole.
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      c.copyWithin(4 * i, 4 * j, 4 * j + 3);
      i = j;
    }
    c.fill(0, 4 * i, 4 * i + 3);
  }

  private next(): number {
    if (this.top === this.cap) {
      this.cap = Math.max(1_024, this.cap * 2);
      this.kind = grown(this.kind, this.cap, (n) => new Uint8Array(n));
      this.fp = grown(this.fp, 2 * this.cap, (n) => new Int32Array(n));
      this.last = grown(this.last, this.cap, (n) => new Float64Array(n));
      this.payload.resize(this.cap);
      // The index stays at most half full.
      const old = this.cells;
      this.cells = new Int32Array(8 * this.cap);
      for (let j = 0; j < old.length; j += 4) if (old[j + 2] !== 0) this.insert(old[j]!, old[j + 1]!, old[j + 2]! - 1);
    }
    return this.top++;
  }
}
