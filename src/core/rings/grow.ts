/**
 * Growing a flagged block by the rows the peel left at its edge.
 *
 * Peeling keeps a block's densest core; members that share fewer of its things (one device and
 * one target, say) fall off. A row outside the block joins it when it has at least one edge to
 * the block's strong columns and puts at least `share` of the evidence it shares with anyone on
 * the block's columns. A row whose only ties to the block are crowd things (the leaked code, a
 * popular product) never joins.
 */
import type { Bipartite } from './bipartite.js';
import type { Evidence } from './significance.js';

export interface Grown {
  readonly rows: Int32Array;
  /** Per row (same order): its share of shared evidence on the block, strong edges into it, and whether it was added here. */
  readonly share: Float64Array;
  readonly strongLinks: Int32Array;
  readonly attached: Uint8Array;
}

/**
 * `taken` marks rows that belong to some block already (they are not taken again; rows added
 * here are marked). `inCol` is scratch of size g.cols, left zeroed.
 */
export function growBlock(
  g: Bipartite,
  block: { rows: Int32Array; cols: Int32Array },
  strong: Uint8Array,
  shared: Evidence,
  taken: Uint8Array,
  minShare: number,
  inCol: Uint8Array,
): Grown {
  for (let k = 0; k < block.cols.length; k++) inCol[block.cols[k]!] = 1;
  const measure = (i: number): [number, number] => {
    let inside = 0;
    let strongIn = 0;
    for (let e = g.rowPtr[i]!; e < g.rowPtr[i + 1]!; e++) {
      const j = g.rowAdj[e]!;
      if (inCol[j] !== 1) continue;
      inside += g.colPrior[j]!;
      strongIn += strong[j]!;
    }
    return [shared.row[i]! > 0 ? inside / shared.row[i]! : 0, strongIn];
  };
  const rows: number[] = [];
  const share: number[] = [];
  const links: number[] = [];
  const attached: number[] = [];
  const push = (i: number, added: boolean) => {
    const [s, n] = measure(i);
    if (added && s < minShare) return;
    taken[i] = 1;
    rows.push(i);
    share.push(s);
    links.push(n);
    attached.push(added ? 1 : 0);
  };
  for (let k = 0; k < block.rows.length; k++) push(block.rows[k]!, false);
  for (let k = 0; k < block.cols.length; k++) {
    const j = block.cols[k]!;
    if (strong[j] !== 1) continue;
    for (let e = g.colPtr[j]!; e < g.colPtr[j + 1]!; e++) if (taken[g.colAdj[e]!] !== 1) push(g.colAdj[e]!, true);
  }
  for (let k = 0; k < block.cols.length; k++) inCol[block.cols[k]!] = 0;
  return { rows: Int32Array.from(rows), share: Float64Array.from(share), strongLinks: Int32Array.from(links), attached: Uint8Array.from(attached) };
}
