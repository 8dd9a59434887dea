/**
 * Greedy peeling for the densest block of a bipartite graph (FRAUDAR, Hooi et al., KDD 2016).
 *
 * The objective is the weighted average degree `g(S) = f(S) / |S|`, where `f(S)` sums the weights
 * of the edges inside S (each edge weighs its column's weight) and `|S|` counts rows and columns.
 * Peeling removes, one at a time, the node whose removal costs least (its weighted degree inside
 * what is left), and returns the set left at the best `g` seen: a 2-approximation of the densest
 * block under this metric. Because only edges inside S count, camouflage (fraudulent rows adding
 * edges to honest columns) cannot lower a block's score; the column weights keep popular honest
 * columns from pulling honest rows in.
 *
 * Cost: O(E log N) per peel with an indexed heap.
 */
import type { Bipartite } from './bipartite.js';
import { MinHeap } from './min-heap.js';

export interface Block {
  readonly rows: Int32Array;
  readonly cols: Int32Array;
  /** f(S): summed weight of the edges inside the block. */
  readonly mass: number;
  /** g(S) = f(S) / (rows + cols). */
  readonly density: number;
}

/** State per node while peeling: 0 outside the region, 1 alive, 2 peeled. Rows are 0..R-1, columns R..R+C-1. */
export class PeelScratch {
  readonly prio: Float64Array;
  readonly state: Uint8Array;
  readonly order: Int32Array;
  readonly heap: MinHeap;

  constructor(readonly g: Bipartite) {
    const n = g.rows + g.cols;
    this.prio = new Float64Array(n);
    this.state = new Uint8Array(n);
    this.order = new Int32Array(n);
    this.heap = new MinHeap(n, this.prio);
  }
}

/**
 * Peels the region made of the given rows and columns (edges count only when both ends are in the
 * region) and returns its densest block. The scratch is left clean for the next call.
 */
export function peelRegion(s: PeelScratch, rows: ArrayLike<number>, cols: ArrayLike<number>): Block {
  const { g, prio, state, order, heap } = s;
  const R = g.rows;
  for (let k = 0; k < rows.length; k++) state[rows[k]!] = 1;
  for (let k = 0; k < cols.length; k++) state[R + cols[k]!] = 1;
  let f = 0;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    let p = 0;
    for (let e = g.rowPtr[i]!; e < g.rowPtr[i + 1]!; e++) {
      const j = g.rowAdj[e]!;
      if (state[R + j] === 1) p += g.colWeight[j]!;
    }
    prio[i] = p;
    f += p;
    heap.pushUnordered(i);
  }
  for (let k = 0; k < cols.length; k++) {
    const j = cols[k]!;
    let d = 0;
    for (let e = g.colPtr[j]!; e < g.colPtr[j + 1]!; e++) if (state[g.colAdj[e]!] === 1) d++;
    prio[R + j] = d * g.colWeight[j]!;
    heap.pushUnordered(R + j);
  }
  heap.heapify();

  const total = rows.length + cols.length;
  let left = total;
  let best = left > 0 ? f / left : 0;
  let bestStep = 0;
  for (let step = 0; step < total; step++) {
    const u = heap.pop();
    order[step] = u;
    state[u] = 2;
    f -= prio[u]!;
    left--;
    if (u < R) {
      for (let e = g.rowPtr[u]!; e < g.rowPtr[u + 1]!; e++) {
        const v = R + g.rowAdj[e]!;
        if (state[v] !== 1) continue;
        prio[v] = prio[v]! - g.colWeight[v - R]!;
        heap.decreased(v);
      }
    } else {
      const w = g.colWeight[u - R]!;
      for (let e = g.colPtr[u - R]!; e < g.colPtr[u - R + 1]!; e++) {
        const v = g.colAdj[e]!;
        if (state[v] !== 1) continue;
        prio[v] = prio[v]! - w;
        heap.decreased(v);
      }
    }
    if (left > 0 && f / left > best) {
      best = f / left;
      bestStep = step + 1;
    }
  }
  let nr = 0;
  for (let k = bestStep; k < total; k++) if (order[k]! < R) nr++;
  const outRows = new Int32Array(nr);
  const outCols = new Int32Array(total - bestStep - nr);
  let a = 0;
  let b = 0;
  for (let k = bestStep; k < total; k++) {
    const u = order[k]!;
    if (u < R) outRows[a++] = u;
    else outCols[b++] = u - R;
  }
  for (let k = 0; k < rows.length; k++) state[rows[k]!] = 0;
  for (let k = 0; k < cols.length; k++) state[R + cols[k]!] = 0;
  outRows.sort();
  outCols.sort();
  return { rows: outRows, cols: outCols, mass: best * (outRows.length + outCols.length), density: best };
}

/** Every row and column of the graph. */
export function wholeGraph(g: Bipartite): { rows: Int32Array; cols: Int32Array } {
  const rows = new Int32Array(g.rows);
  for (let i = 0; i < g.rows; i++) rows[i] = i;
  const cols = new Int32Array(g.cols);
  for (let j = 0; j < g.cols; j++) cols[j] = j;
  return { rows, cols };
}

/**
 * FRAUDAR's multi-block detection: peel the densest block, take its rows out, peel again.
 * A naturally dense core comes out first and no longer hides a smaller block behind it.
 * Runs `peels` times (fewer when no row is left); blocks with fewer than `minRows` rows are taken
 * out but not returned.
 */
export function peelBlocks(g: Bipartite, opts: { peels: number; minRows?: number; scratch?: PeelScratch }): Block[] {
  const s = opts.scratch ?? new PeelScratch(g);
  const taken = new Uint8Array(g.rows);
  let { rows } = wholeGraph(g);
  const { cols } = wholeGraph(g);
  const out: Block[] = [];
  for (let n = 0; n < opts.peels && rows.length > 0; n++) {
    const b = peelRegion(s, rows, cols);
    if (b.rows.length === 0) break;
    if (b.rows.length >= (opts.minRows ?? 1)) out.push(b);
    for (let k = 0; k < b.rows.length; k++) taken[b.rows[k]!] = 1;
    rows = rows.filter((i) => taken[i] === 0);
  }
  return out;
}
