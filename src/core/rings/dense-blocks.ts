/**
 * Multi-block dense-block detection that a naturally dense core does not hide.
 *
 * 1. Louvain splits the graph into communities (a ring, with the things it shares, is one; a big
 *    honest core is another).
 * 2. Inside each community, FRAUDAR peeling finds the densest block, takes its rows out and peels
 *    again (`peelsPerCommunity` times): peel, remove, repeat.
 * 3. A block falls apart into its strong-link components (rows joined through the block's strong
 *    columns): weak things — a /24 network, a popular product — add evidence to a group but
 *    cannot make one, so twenty households on one network are twenty groups, not a ring.
 * 4. A group is eligible when it has at least `minRows` rows, its strong things are mostly its
 *    own (`minColShare`), and at least `minStrongTies` distinct strong things each tie two or more
 *    of its rows. One shared thing alone makes a star, not a ring: any thing of degree d, with
 *    its d accounts, is a "dense" block by construction (the risk engine's link counts see hubs).
 * 5. Each group is scored by its surprise against the degree-preserving null (`significance.ts`)
 *    and flagged when it is eligible and its surprise beats every group with two or more strong
 *    ties that the same procedure finds in a degree-preserving random rewiring of the same graph:
 *    the bar comes from the data, not from a constant tuned to one scenario.
 */
import { bipartiteFromEdges, type Bipartite } from './bipartite.js';
import { unionFind } from './components.js';
import { fromBipartite, louvain } from './louvain.js';
import { PeelScratch, peelRegion } from './peel.js';
import { seededRandom, shuffle } from './random.js';
import { blockStats, evidenceOf, type BlockStats, type Evidence } from './significance.js';

export interface DenseBlockOptions {
  /** Smallest block worth reporting, in rows (accounts). */
  readonly minRows: number;
  readonly peelsPerCommunity: number;
  readonly seed: number;
  /** A fixed surprise threshold; absent: calibrated on a rewired copy of the graph. */
  readonly threshold?: number;
  /** The calibrated threshold is the null's best surprise times this (≥ 1). */
  readonly margin: number;
  readonly resolution: number;
  /**
   * The share of the evidence on a block's strong columns that must come from its own rows.
   * Camouflage (fraudulent rows adding edges to honest columns) cannot lower it; a core of heavy
   * users of popular things cannot raise it.
   */
  readonly minColShare: number;
  /** Distinct strong things, each tying at least two rows, a flagged block needs. */
  readonly minStrongTies: number;
}

export const DENSE_BLOCK_DEFAULTS: DenseBlockOptions = { minRows: 5, peelsPerCommunity: 4, seed: 1, margin: 1, resolution: 1, minColShare: 0.5, minStrongTies: 2 };

/** Whether a block may be flagged at all (before the bar). */
export const eligible = (s: BlockStats, o: DenseBlockOptions): boolean => s.rows >= o.minRows && s.colShare >= o.minColShare && s.strongTies >= o.minStrongTies;

export interface ScoredBlock {
  readonly rows: Int32Array;
  readonly cols: Int32Array;
  readonly stats: BlockStats;
  /** The Louvain community it was peeled from. */
  readonly community: number;
  readonly flagged: boolean;
}

export interface DenseBlockResult {
  readonly blocks: readonly ScoredBlock[];
  readonly threshold: number;
  /** The best surprise in the rewired graph, stars left out (null when the threshold was given). */
  readonly nullBest: number | null;
  readonly communities: Int32Array;
  readonly communityCount: number;
  readonly modularity: number;
}

export type Progress = (phase: string, done: number, total: number) => void;

/** The graph's columns that tie rows together on their own (all of them when `strong` is absent). */
const strongMask = (g: Bipartite, strong?: Uint8Array): Uint8Array => strong ?? new Uint8Array(g.cols).fill(1);

/**
 * Louvain, then peel/remove/repeat inside each community; every strong-link group of ≥ minRows
 * rows, scored.
 */
export function candidateBlocks(g: Bipartite, ev: Evidence, o: DenseBlockOptions, strong: Uint8Array, progress: Progress = () => {}) {
  const L = louvain(fromBipartite(g), { seed: o.seed, resolution: o.resolution });
  progress('communities', 1, 1);
  const R = g.rows;
  // Members of each community, grouped (counting sort).
  const start = new Int32Array(L.count + 1);
  for (let v = 0; v < L.community.length; v++) start[L.community[v]! + 1]!++;
  for (let c = 0; c < L.count; c++) start[c + 1]! += start[c]!;
  const members = new Int32Array(L.community.length);
  const fill = start.slice(0, L.count);
  for (let v = 0; v < L.community.length; v++) members[fill[L.community[v]!]!++] = v;

  const scratch = new PeelScratch(g);
  const inCol = new Uint8Array(g.cols);
  const pos = new Int32Array(g.rows).fill(-1);
  const taken = new Uint8Array(g.rows);
  const blocks: Omit<ScoredBlock, 'flagged'>[] = [];
  for (let c = 0; c < L.count; c++) {
    const all = members.subarray(start[c]!, start[c + 1]!);
    let rows: Int32Array = all.filter((v) => v < R);
    if (rows.length < o.minRows) continue;
    const cols = all.filter((v) => v >= R).map((v) => v - R);
    for (let p = 0; p < o.peelsPerCommunity && rows.length >= o.minRows; p++) {
      const b = peelRegion(scratch, rows, cols);
      if (b.rows.length === 0) break;
      for (const grp of strongGroups(g, b.rows, b.cols, strong, pos, inCol))
        if (grp.rows.length >= o.minRows) blocks.push({ ...grp, stats: blockStats(g, ev, grp.rows, grp.cols, inCol, strong), community: c });
      for (let k = 0; k < b.rows.length; k++) taken[b.rows[k]!] = 1;
      rows = rows.filter((i) => taken[i] === 0);
    }
    if ((c & 1023) === 0) progress('blocks', c, L.count);
  }
  progress('blocks', L.count, L.count);
  return { blocks, louvain: L };
}

/**
 * The block's rows grouped by connection through its strong columns; each group keeps the
 * block's columns its rows touch. `pos` (size g.rows, all -1) and `inCol` (size g.cols, all 0)
 * are scratch, left as found.
 */
export function strongGroups(g: Bipartite, rows: Int32Array, cols: Int32Array, strong: Uint8Array, pos: Int32Array, inCol: Uint8Array): { rows: Int32Array; cols: Int32Array }[] {
  for (let k = 0; k < rows.length; k++) pos[rows[k]!] = k;
  const uf = unionFind(rows.length);
  for (let k = 0; k < cols.length; k++) {
    const j = cols[k]!;
    if (strong[j] !== 1) continue;
    let first = -1;
    for (let e = g.colPtr[j]!; e < g.colPtr[j + 1]!; e++) {
      const p = pos[g.colAdj[e]!]!;
      if (p < 0) continue;
      if (first < 0) first = p;
      else uf.union(first, p);
    }
  }
  const groupOf = new Map<number, number[]>();
  for (let k = 0; k < rows.length; k++) {
    const root = uf.find(k);
    let list = groupOf.get(root);
    if (!list) groupOf.set(root, (list = []));
    list.push(rows[k]!);
  }
  for (let k = 0; k < rows.length; k++) pos[rows[k]!] = -1;
  if (groupOf.size === 1) return [{ rows, cols }];
  for (let k = 0; k < cols.length; k++) inCol[cols[k]!] = 1;
  const out: { rows: Int32Array; cols: Int32Array }[] = [];
  for (const list of groupOf.values()) {
    const touched = new Set<number>();
    for (const i of list) for (let e = g.rowPtr[i]!; e < g.rowPtr[i + 1]!; e++) if (inCol[g.rowAdj[e]!] === 1) touched.add(g.rowAdj[e]!);
    out.push({ rows: Int32Array.from(list), cols: Int32Array.from(touched).sort() });
  }
  for (let k = 0; k < cols.length; k++) inCol[cols[k]!] = 0;
  return out;
}

/** The graph with every edge's column end shuffled: same row and column degrees, no structure. */
export function rewired(g: Bipartite, seed: number): Bipartite {
  const E = g.rowAdj.length;
  const src = new Int32Array(E);
  for (let i = 0; i < g.rows; i++) src.fill(i, g.rowPtr[i]!, g.rowPtr[i + 1]!);
  const dst = shuffle(Int32Array.from(g.rowAdj), seededRandom(seed ^ 0x5eed));
  return bipartiteFromEdges(g.rows, g.cols, src, dst, E, (j) => g.colPrior[j]!);
}

/**
 * Detects and flags dense blocks. `rowExtra`: evidence rows carry outside the graph (see
 * `evidenceOf`); `strong`: the columns that tie rows together (all when absent).
 */
export function detectDenseBlocks(
  g: Bipartite,
  opts: Partial<DenseBlockOptions> = {},
  progress: Progress = () => {},
  extra: { rowExtra?: Float64Array; strong?: Uint8Array } = {},
): DenseBlockResult {
  const o = { ...DENSE_BLOCK_DEFAULTS, ...opts };
  const strong = strongMask(g, extra.strong);
  let threshold = o.threshold;
  let nullBest: number | null = null;
  if (threshold === undefined) {
    const n = rewired(g, o.seed);
    const nb = candidateBlocks(n, evidenceOf(n, extra.rowExtra), o, strong, (phase, d, t) => progress(`null ${phase}`, d, t));
    // Stars are left out of the bar as they are out of flagging: their score is an artifact of
    // picking a column's own neighbours. Everything else the null produces is chance structure.
    nullBest = nb.blocks.reduce((m, b) => (b.stats.strongTies >= o.minStrongTies ? Math.max(m, b.stats.surprise) : m), 0);
    threshold = nullBest * o.margin;
  }
  const { blocks, louvain: L } = candidateBlocks(g, evidenceOf(g, extra.rowExtra), o, strong, progress);
  const scored = blocks
    .map((b) => ({ ...b, flagged: eligible(b.stats, o) && b.stats.surprise > threshold! }))
    .sort((a, b) => b.stats.surprise - a.stats.surprise);
  return { blocks: scored, threshold, nullBest, communities: L.community, communityCount: L.count, modularity: L.modularity };
}
