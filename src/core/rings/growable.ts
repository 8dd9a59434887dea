/** Append-only typed columns that double when full: millions of facts without an object each. */
export class IntColumn {
  private a: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.a = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  get(k: number): number {
    return this.a[k]!;
  }
  /** A view of the filled part (no copy). */
  view(): Int32Array {
    return this.a.subarray(0, this.length);
  }
}

export class FloatColumn {
  private a: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.a = new Float64Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  get(k: number): number {
    return this.a[k]!;
  }
  view(): Float64Array {
    return this.a.subarray(0, this.length);
  }
}

/** Strings to dense ids 0..n-1 and back. */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly values: string[] = [];
  id(v: string): number {
    let i = this.ids.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.ids.set(v, i);
      this.values.push(v);
    }
    return i;
  }
  find(v: string): number | undefined {
    return this.ids.get(v);
  }
  get size(): number {
    return this.values.length;
  }
}
