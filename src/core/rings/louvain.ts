/**
 * Louvain community detection (Blondel et al., 2008), our own implementation over typed arrays.
 *
 * Why not graphology-communities-louvain: the core stays free of packages, and at the scale we
 * need (a million accounts, millions of links) an object per node and per edge costs gigabytes
 * and most of the time budget; compressed adjacency costs tens of megabytes. A test checks that
 * our partitions reach the modularity the reference implementation reaches on the same graphs.
 *
 * Standard modularity with resolution γ: Q = Σ_c [ in_c / 2m − γ (tot_c / 2m)² ].
 */
import type { Bipartite } from './bipartite.js';
import { seededRandom, shuffle } from './random.js';

/** An undirected weighted graph: node i's neighbours are `adj[ptr[i] .. ptr[i+1])` (both directions stored), plus a self-loop weight. */
export interface WeightedGraph {
  readonly n: number;
  readonly ptr: Int32Array;
  readonly adj: Int32Array;
  readonly wt: Float64Array;
  /** A_ii: twice the weight folded into node i (aggregated nodes), counted once in its degree. */
  readonly self: Float64Array;
}

export interface LouvainOptions {
  readonly resolution?: number;
  readonly seed?: number;
  /** Stop a level's sweeps when a sweep moves fewer than this share of nodes. */
  readonly minMoveShare?: number;
  readonly maxLevels?: number;
}

export interface LouvainResult {
  /** Community of every node, numbered 0..count-1. */
  readonly community: Int32Array;
  readonly count: number;
  readonly modularity: number;
  readonly levels: number;
}

/** The bipartite graph as a general one: rows are nodes 0..R-1, columns R..R+C-1, edges weigh their column's weight. */
export function fromBipartite(g: Bipartite): WeightedGraph {
  const R = g.rows;
  const n = R + g.cols;
  const ptr = new Int32Array(n + 1);
  for (let i = 0; i < R; i++) ptr[i + 1] = g.rowPtr[i + 1]! - g.rowPtr[i]!;
  for (let j = 0; j < g.cols; j++) ptr[R + j + 1] = g.colPtr[j + 1]! - g.colPtr[j]!;
  for (let v = 0; v < n; v++) ptr[v + 1]! += ptr[v]!;
  const adj = new Int32Array(ptr[n]!);
  const wt = new Float64Array(ptr[n]!);
  for (let i = 0; i < R; i++) {
    let o = ptr[i]!;
    for (let e = g.rowPtr[i]!; e < g.rowPtr[i + 1]!; e++) {
      const j = g.rowAdj[e]!;
      adj[o] = R + j;
      wt[o++] = g.colWeight[j]!;
    }
  }
  for (let j = 0; j < g.cols; j++) {
    let o = ptr[R + j]!;
    const w = g.colWeight[j]!;
    for (let e = g.colPtr[j]!; e < g.colPtr[j + 1]!; e++) {
      adj[o] = g.colAdj[e]!;
      wt[o++] = w;
    }
  }
  return { n, ptr, adj, wt, self: new Float64Array(n) };
}

export function louvain(g0: WeightedGraph, opts: LouvainOptions = {}): LouvainResult {
  const gamma = opts.resolution ?? 1;
  const random = seededRandom(opts.seed ?? 1);
  const minShare = opts.minMoveShare ?? 0.001;
  const of = new Int32Array(g0.n);
  for (let v = 0; v < g0.n; v++) of[v] = v;
  let g = g0;
  let levels = 0;
  for (; levels < (opts.maxLevels ?? 20); levels++) {
    const { community, count, moved } = localMoving(g, gamma, random, minShare);
    if (!moved) break;
    for (let v = 0; v < g0.n; v++) of[v] = community[of[v]!]!;
    g = aggregate(g, community, count);
  }
  // Renumber densely (aggregation already did; the identity case needs it too).
  const { ids, count } = renumber(of);
  return { community: ids, count, modularity: modularity(g0, ids, count, gamma), levels };
}

function degrees(g: WeightedGraph): { k: Float64Array; m2: number } {
  const k = new Float64Array(g.n);
  let m2 = 0;
  for (let i = 0; i < g.n; i++) {
    let s = g.self[i]!;
    for (let e = g.ptr[i]!; e < g.ptr[i + 1]!; e++) s += g.wt[e]!;
    k[i] = s;
    m2 += s;
  }
  return { k, m2 };
}

function localMoving(g: WeightedGraph, gamma: number, random: () => number, minShare: number) {
  const { k, m2 } = degrees(g);
  const comm = new Int32Array(g.n);
  const tot = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++) {
    comm[i] = i;
    tot[i] = k[i]!;
  }
  if (m2 === 0) return { community: comm, count: g.n, moved: false };
  const order = new Int32Array(g.n);
  for (let i = 0; i < g.n; i++) order[i] = i;
  shuffle(order, random);
  const wTo = new Float64Array(g.n);
  const touched = new Int32Array(g.n);
  let movedAny = false;
  for (let sweep = 0; sweep < 100; sweep++) {
    let moves = 0;
    for (let o = 0; o < g.n; o++) {
      const i = order[o]!;
      const ci = comm[i]!;
      let nt = 0;
      for (let e = g.ptr[i]!; e < g.ptr[i + 1]!; e++) {
        const c = comm[g.adj[e]!]!;
        if (wTo[c] === 0) touched[nt++] = c;
        wTo[c] = wTo[c]! + g.wt[e]!;
      }
      const ki = k[i]!;
      tot[ci] = tot[ci]! - ki;
      const scale = (gamma * ki) / m2;
      let best = ci;
      let bestGain = wTo[ci]! - tot[ci]! * scale;
      for (let t = 0; t < nt; t++) {
        const c = touched[t]!;
        const gain = wTo[c]! - tot[c]! * scale;
        if (gain > bestGain + 1e-12) {
          best = c;
          bestGain = gain;
        }
      }
      for (let t = 0; t < nt; t++) wTo[touched[t]!] = 0;
      tot[best] = tot[best]! + ki;
      if (best !== ci) {
        comm[i] = best;
        moves++;
      }
    }
    if (moves > 0) movedAny = true;
    if (moves <= minShare * g.n) break;
  }
  const { ids, count } = renumber(comm);
  return { community: ids, count, moved: movedAny && count < g.n };
}

function renumber(labels: Int32Array): { ids: Int32Array; count: number } {
  const map = new Int32Array(labels.length).fill(-1);
  const ids = new Int32Array(labels.length);
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (map[l] === -1) map[l] = count++;
    ids[i] = map[l]!;
  }
  return { ids, count };
}

/** One node per community; edges between communities summed, edges inside folded into the self-loop. */
function aggregate(g: WeightedGraph, comm: Int32Array, count: number): WeightedGraph {
  // Nodes grouped by community.
  const start = new Int32Array(count + 1);
  for (let i = 0; i < g.n; i++) start[comm[i]! + 1]!++;
  for (let c = 0; c < count; c++) start[c + 1]! += start[c]!;
  const members = new Int32Array(g.n);
  const fill = start.slice(0, count);
  for (let i = 0; i < g.n; i++) members[fill[comm[i]!]!++] = i;

  const self = new Float64Array(count);
  const acc = new Float64Array(count);
  const touched = new Int32Array(count);
  const ptr = new Int32Array(count + 1);
  let adj = new Int32Array(Math.max(16, g.adj.length >> 1));
  let wt = new Float64Array(adj.length);
  let nE = 0;
  for (let c = 0; c < count; c++) {
    let nt = 0;
    let inside = 0;
    for (let m = start[c]!; m < start[c + 1]!; m++) {
      const i = members[m]!;
      inside += g.self[i]!;
      for (let e = g.ptr[i]!; e < g.ptr[i + 1]!; e++) {
        const d = comm[g.adj[e]!]!;
        if (d === c) {
          inside += g.wt[e]!;
          continue;
        }
        if (acc[d] === 0) touched[nt++] = d;
        acc[d] = acc[d]! + g.wt[e]!;
      }
    }
    self[c] = inside;
    if (nE + nt > adj.length) {
      const size = Math.max(adj.length * 2, nE + nt);
      const a2 = new Int32Array(size);
      a2.set(adj.subarray(0, nE));
      adj = a2;
      const w2 = new Float64Array(size);
      w2.set(wt.subarray(0, nE));
      wt = w2;
    }
    for (let t = 0; t < nt; t++) {
      const d = touched[t]!;
      adj[nE] = d;
      wt[nE++] = acc[d]!;
      acc[d] = 0;
    }
    ptr[c + 1] = nE;
  }
  return { n: count, ptr, adj: adj.slice(0, nE), wt: wt.slice(0, nE), self };
}

/** Modularity of a partition of `g` (γ-weighted null term). */
export function modularity(g: WeightedGraph, comm: Int32Array, count: number, gamma = 1): number {
  const { k, m2 } = degrees(g);
  if (m2 === 0) return 0;
  const inW = new Float64Array(count);
  const tot = new Float64Array(count);
  for (let i = 0; i < g.n; i++) {
    const c = comm[i]!;
    tot[c] = tot[c]! + k[i]!;
    inW[c] = inW[c]! + g.self[i]!;
    for (let e = g.ptr[i]!; e < g.ptr[i + 1]!; e++) if (comm[g.adj[e]!] === c) inW[c] = inW[c]! + g.wt[e]!;
  }
  let q = 0;
  for (let c = 0; c < count; c++) q += inW[c]! / m2 - gamma * (tot[c]! / m2) ** 2;
  return q;
}
