/**
 * A bipartite graph of rows (accounts) and columns (the things they share: devices, identities,
 * top-up targets, ...), stored as compressed adjacency in both directions (typed arrays, so a
 * graph of millions of edges costs tens of megabytes, not gigabytes of objects).
 *
 * Every edge into a column carries that column's weight: the FRAUDAR column weighting
 * `prior / ln(degree + 5)`, so that a thing shared by everybody (a popular product, a big public
 * Wi-Fi) counts less than one shared by a handful of accounts. `prior` says how much sharing that
 * kind of thing means at all (an identity more than a /24 network); it is 1 in the plain FRAUDAR
 * setting.
 */
export interface Bipartite {
  readonly rows: number;
  readonly cols: number;
  /** Row i's columns are `rowAdj[rowPtr[i] .. rowPtr[i + 1])`, sorted, without duplicates. */
  readonly rowPtr: Int32Array;
  readonly rowAdj: Int32Array;
  /** Column j's rows are `colAdj[colPtr[j] .. colPtr[j + 1])`, sorted. */
  readonly colPtr: Int32Array;
  readonly colAdj: Int32Array;
  /** The weight of every edge into column j. */
  readonly colWeight: Float64Array;
  /** The column's prior (evidence per edge before degree discounting). */
  readonly colPrior: Float64Array;
}

export const edgeCount = (g: Bipartite): number => g.rowAdj.length;
export const rowDegree = (g: Bipartite, i: number): number => g.rowPtr[i + 1]! - g.rowPtr[i]!;
export const colDegree = (g: Bipartite, j: number): number => g.colPtr[j + 1]! - g.colPtr[j]!;

/** FRAUDAR's column weight: `1 / ln(d + 5)` (Hooi et al., KDD 2016), scaled by the kind's prior. */
export const columnWeight = (degree: number, prior = 1): number => prior / Math.log(degree + 5);

/**
 * Builds the graph from an edge list (`src[k]` row, `dst[k]` column for k < count). Duplicate
 * edges collapse into one. Two counting sorts: O(E + rows + cols).
 */
export function bipartiteFromEdges(
  rows: number,
  cols: number,
  src: Int32Array,
  dst: Int32Array,
  count: number,
  prior: (col: number) => number = () => 1,
): Bipartite {
  // Sort by column first, then stable-sort by row: each row's columns come out sorted.
  const byRow = sortedBy(src, sortedBy(dst, identity(count), cols), rows);
  // Drop duplicates (same row, same column adjacent after the two sorts).
  const rowPtr = new Int32Array(rows + 1);
  const keep = new Int32Array(count);
  let kept = 0;
  let prevRow = -1;
  let prevCol = -1;
  for (let p = 0; p < count; p++) {
    const k = byRow[p]!;
    const r = src[k]!;
    const c = dst[k]!;
    if (r === prevRow && c === prevCol) continue;
    prevRow = r;
    prevCol = c;
    keep[kept++] = k;
    rowPtr[r + 1]!++;
  }
  for (let i = 0; i < rows; i++) rowPtr[i + 1]! += rowPtr[i]!;
  const rowAdj = new Int32Array(kept);
  const colPtr = new Int32Array(cols + 1);
  for (let p = 0; p < kept; p++) {
    const c = dst[keep[p]!]!;
    rowAdj[p] = c;
    colPtr[c + 1]!++;
  }
  for (let j = 0; j < cols; j++) colPtr[j + 1]! += colPtr[j]!;
  const colAdj = new Int32Array(kept);
  const fill = colPtr.slice(0, cols);
  // Walking rows in order keeps each column's row list sorted.
  for (let i = 0; i < rows; i++) for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) colAdj[fill[rowAdj[p]!]!++] = i;
  const colPrior = new Float64Array(cols);
  const colWeight = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    colPrior[j] = prior(j);
    colWeight[j] = columnWeight(colPtr[j + 1]! - colPtr[j]!, colPrior[j]);
  }
  return { rows, cols, rowPtr, rowAdj, colPtr, colAdj, colWeight, colPrior };
}

const identity = (n: number): Int32Array => {
  const a = new Int32Array(n);
  for (let k = 0; k < n; k++) a[k] = k;
  return a;
};

/** A stable counting sort of the positions in `order` by `keys[position]` (keys in 0..buckets-1). */
function sortedBy(keys: Int32Array, order: Int32Array, buckets: number): Int32Array {
  const start = new Int32Array(buckets + 1);
  for (let p = 0; p < order.length; p++) start[keys[order[p]!]! + 1]!++;
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  const out = new Int32Array(order.length);
  for (let p = 0; p < order.length; p++) {
    const k = order[p]!;
    out[start[keys[k]!]!++] = k;
  }
  return out;
}

/** Weighted degree of every row and column in the whole graph, and the total weight. */
export function strengths(g: Bipartite): { row: Float64Array; col: Float64Array; total: number } {
  const row = new Float64Array(g.rows);
  const col = new Float64Array(g.cols);
  let total = 0;
  for (let j = 0; j < g.cols; j++) {
    const s = g.colWeight[j]! * (g.colPtr[j + 1]! - g.colPtr[j]!);
    col[j] = s;
    total += s;
  }
  for (let i = 0; i < g.rows; i++) {
    let s = 0;
    for (let p = g.rowPtr[i]!; p < g.rowPtr[i + 1]!; p++) s += g.colWeight[g.rowAdj[p]!]!;
    row[i] = s;
  }
  return { row, col, total };
}
