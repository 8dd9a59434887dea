/**
 * How surprising a block is: its inside weight against what the activity of its rows and columns
 * alone would put there.
 *
 * Under the degree-preserving null model (the one modularity uses), the weight expected between
 * rows R and columns C is ρ = s(R)·s(C) / W, where s is a node's weight over all its edges and W
 * the graph's total. A dense core of heavy shoppers who buy the popular products is explained by
 * that: heavy rows × popular columns, lift ≈ 1. A ring sharing its own devices and targets is not:
 * lift in the tens to thousands. The score is the Poisson log-likelihood ratio of seeing mass m
 * where ρ was expected, `m ln(m/ρ) − m + ρ` (Jiang et al.'s block suspiciousness, here on
 * weights): it grows with both the lift and the amount of evidence.
 */
import type { Bipartite } from './bipartite.js';

export interface BlockStats {
  readonly rows: number;
  readonly cols: number;
  /** Weight of the edges inside the block (prior-weighted, not degree-discounted: degrees enter through ρ). */
  readonly mass: number;
  readonly expected: number;
  readonly lift: number;
  readonly surprise: number;
  /** Edges inside ÷ (rows × cols). */
  readonly fill: number;
  /** FRAUDAR's degree-discounted average degree of the block. */
  readonly density: number;
  /** Share of the rows' evidence that lies inside the block (camouflage lowers it). */
  readonly rowShare: number;
  /**
   * Share of the evidence on the block's strong columns that comes from the block's rows: how
   * exclusively its own things are. Weak columns (crowd things) are left out, so neither a
   * popular product the block touches nor camouflage moves it.
   */
  readonly colShare: number;
  /** Strong columns that tie at least two of the block's rows. */
  readonly strongTies: number;
}

/** Per-node evidence totals, computed once per graph. */
export interface Evidence {
  readonly row: Float64Array;
  readonly col: Float64Array;
  readonly total: number;
}

/**
 * Every node's total prior weight (the evidence it carries), and the graph's. `rowExtra` adds
 * evidence rows carry outside the graph (things only they have, pruned before detection).
 */
export function evidenceOf(g: Bipartite, rowExtra?: Float64Array): Evidence {
  const row = new Float64Array(g.rows);
  const col = new Float64Array(g.cols);
  let total = 0;
  for (let j = 0; j < g.cols; j++) {
    const s = g.colPrior[j]! * (g.colPtr[j + 1]! - g.colPtr[j]!);
    col[j] = s;
    total += s;
  }
  for (let i = 0; i < g.rows; i++) {
    const extra = rowExtra ? rowExtra[i]! : 0;
    // The extra sits on things outside the graph: it counts in the total as well, so that the
    // rows' evidence still sums to the total the null model distributes.
    total += extra;
    let s = extra;
    for (let e = g.rowPtr[i]!; e < g.rowPtr[i + 1]!; e++) s += g.colPrior[g.rowAdj[e]!]!;
    row[i] = s;
  }
  return { row, col, total };
}

export const poissonSurprise = (mass: number, expected: number): number =>
  mass > expected && expected > 0 ? mass * Math.log(mass / expected) - mass + expected : 0;

/**
 * Stats of the block rows × cols; `inCol` is scratch of size g.cols, left zeroed. `strong` marks
 * the columns `colShare` counts (all when absent).
 */
export function blockStats(g: Bipartite, ev: Evidence, rows: ArrayLike<number>, cols: ArrayLike<number>, inCol: Uint8Array, strong?: Uint8Array): BlockStats {
  for (let k = 0; k < cols.length; k++) inCol[cols[k]!] = 1;
  let mass = 0;
  let strongMass = 0;
  const tie = new Map<number, number>();
  let weighted = 0;
  let edges = 0;
  let sR = 0;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    sR += ev.row[i]!;
    for (let e = g.rowPtr[i]!; e < g.rowPtr[i + 1]!; e++) {
      const j = g.rowAdj[e]!;
      if (inCol[j] !== 1) continue;
      mass += g.colPrior[j]!;
      if (!strong || strong[j] === 1) {
        strongMass += g.colPrior[j]!;
        tie.set(j, (tie.get(j) ?? 0) + 1);
      }
      weighted += g.colWeight[j]!;
      edges++;
    }
  }
  let sC = 0;
  let sStrong = 0;
  for (let k = 0; k < cols.length; k++) {
    const j = cols[k]!;
    sC += ev.col[j]!;
    if (!strong || strong[j] === 1) sStrong += ev.col[j]!;
    inCol[j] = 0;
  }
  const expected = ev.total > 0 ? (sR * sC) / ev.total : 0;
  const cells = rows.length * cols.length;
  return {
    rows: rows.length,
    cols: cols.length,
    mass,
    expected,
    lift: expected > 0 ? mass / expected : 0,
    surprise: poissonSurprise(mass, expected),
    fill: cells > 0 ? edges / cells : 0,
    density: rows.length + cols.length > 0 ? weighted / (rows.length + cols.length) : 0,
    rowShare: sR > 0 ? mass / sR : 0,
    colShare: sStrong > 0 ? strongMass / sStrong : 0,
    strongTies: [...tie.values()].filter((n) => n >= 2).length,
  };
}
