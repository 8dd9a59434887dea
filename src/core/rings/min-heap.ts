/**
 * An indexed binary min-heap over node ids 0..n-1 keyed by a Float64Array the caller owns, with
 * decrease-key: greedy peeling only ever lowers a node's priority. Ties break on the smaller id,
 * so a peel is deterministic.
 */
export class MinHeap {
  private readonly heap: Int32Array;
  /** Where each node sits in `heap`, or -1. */
  private readonly pos: Int32Array;
  private n = 0;

  constructor(
    capacity: number,
    private readonly key: Float64Array,
  ) {
    this.heap = new Int32Array(capacity);
    this.pos = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.n;
  }

  /** Adds nodes without ordering them; call `heapify` once after the last one. */
  pushUnordered(v: number): void {
    this.pos[v] = this.n;
    this.heap[this.n++] = v;
  }

  heapify(): void {
    for (let i = (this.n >> 1) - 1; i >= 0; i--) this.down(i);
  }

  has(v: number): boolean {
    return this.pos[v]! >= 0;
  }

  pop(): number {
    const top = this.heap[0]!;
    const last = this.heap[--this.n]!;
    this.pos[top] = -1;
    if (this.n > 0) {
      this.heap[0] = last;
      this.pos[last] = 0;
      this.down(0);
    }
    return top;
  }

  /** Call after lowering `key[v]`. */
  decreased(v: number): void {
    this.up(this.pos[v]!);
  }

  private less(a: number, b: number): boolean {
    const ka = this.key[a]!;
    const kb = this.key[b]!;
    return ka < kb || (ka === kb && a < b);
  }

  private up(i: number): void {
    const h = this.heap;
    const v = h[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (!this.less(v, p)) break;
      h[i] = p;
      this.pos[p] = i;
      i = parent;
    }
    h[i] = v;
    this.pos[v] = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const v = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.n) break;
      if (c + 1 < this.n && this.less(h[c + 1]!, h[c]!)) c++;
      const child = h[c]!;
      if (!this.less(child, v)) break;
      h[i] = child;
      this.pos[child] = i;
      i = c;
    }
    h[i] = v;
    this.pos[v] = i;
  }
}
