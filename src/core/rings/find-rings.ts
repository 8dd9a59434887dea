/**
 * Rings on the link graph: flagged dense blocks (see `dense-blocks.ts`), each grown by the
 * accounts the peel left at its edge (`grow.ts`), cross-checked against the strong-link
 * components. Strong kinds are identity, phone, device, payment, target, address and phone run. Peeling keeps the core of a ring; this brings back
 * members that share fewer of its things (one device, one target) but little else. A swept-in
 * consumer who only used the same leaked code has no strong link into the ring and stays out.
 */
import { rowComponents, type Components } from './components.js';
import type { Bipartite } from './bipartite.js';
import { DENSE_BLOCK_DEFAULTS, detectDenseBlocks, type DenseBlockOptions, type DenseBlockResult, type Progress, type ScoredBlock } from './dense-blocks.js';
import { growBlock, type Grown } from './grow.js';
import { STRONG_KINDS } from './kinds.js';
import type { LinkGraph } from './link-graph.js';
import { blockStats, evidenceOf, type BlockStats } from './significance.js';

export interface RingOptions extends DenseBlockOptions {
  /** Share of an outside account's evidence that must lie on the ring's things for it to join. */
  readonly attachShare: number;
  /** Strong things shared by more accounts than this do not join components. */
  readonly maxThingDegree: number;
}

export const RING_DEFAULTS: RingOptions = { ...DENSE_BLOCK_DEFAULTS, attachShare: 0.5, maxThingDegree: 10_000 };

export interface RingMemberDraft {
  readonly row: number;
  /** Share of the evidence the account shares with anyone that lies on the ring's things. */
  readonly share: number;
  /** Strong links into the ring's things. */
  readonly strongLinks: number;
  /** Joined by growing rather than by the peel. */
  readonly attached: boolean;
}

export interface RingThingDraft {
  readonly col: number;
  /** Ring members that have it. */
  readonly inside: number;
  /** Accounts that have it at all. */
  readonly degree: number;
}

export interface RingDraft {
  readonly members: readonly RingMemberDraft[];
  readonly things: readonly RingThingDraft[];
  /** Statistics of the grown ring (rows = members). */
  readonly stats: BlockStats;
  /** Statistics of the block as peeled. */
  readonly block: BlockStats;
  readonly community: number;
  /** The strong-link component holding most members: its size and the share of members in it. */
  readonly component: { readonly id: number; readonly size: number; readonly overlap: number } | null;
}

export interface RingFinding {
  readonly rings: readonly RingDraft[];
  readonly dense: DenseBlockResult;
  readonly components: Components;
}

/** A flagged block and what growing it gave. */
export interface GrownBlock {
  readonly block: ScoredBlock;
  readonly grown: Grown;
}

/**
 * Detection on any bipartite graph: flagged dense blocks (strongest first), each grown by the rows
 * the peel left at its edge. `strong` marks the columns that tie rows together (all when absent);
 * `rowExtra` is evidence rows carry outside the graph.
 */
export function detectAndGrow(
  g: Bipartite,
  opts: Partial<RingOptions> = {},
  progress: Progress = () => {},
  extra: { strong?: Uint8Array; rowExtra?: Float64Array } = {},
): { dense: DenseBlockResult; grown: GrownBlock[] } {
  const o = { ...RING_DEFAULTS, ...opts };
  const strong = extra.strong ?? new Uint8Array(g.cols).fill(1);
  const dense = detectDenseBlocks(g, o, progress, { rowExtra: extra.rowExtra, strong });
  const shared = evidenceOf(g);
  const flagged = dense.blocks.filter((b) => b.flagged);
  const taken = new Uint8Array(g.rows);
  for (const b of flagged) for (let k = 0; k < b.rows.length; k++) taken[b.rows[k]!] = 1;
  const inCol = new Uint8Array(g.cols);
  return { dense, grown: flagged.map((block) => ({ block, grown: growBlock(g, block, strong, shared, taken, o.attachShare, inCol) })) };
}

export function findRings(lg: LinkGraph, opts: Partial<RingOptions> = {}, progress: Progress = () => {}): RingFinding {
  const o = { ...RING_DEFAULTS, ...opts };
  const g = lg.graph;
  const strong = new Uint8Array(g.cols);
  for (let j = 0; j < g.cols; j++) strong[j] = STRONG_KINDS.has(lg.thingKind[j]!) ? 1 : 0;
  const { dense, grown } = detectAndGrow(g, o, progress, { strong, rowExtra: lg.privateEvidence });
  const components = rowComponents(g, (j) => strong[j] === 1, o.maxThingDegree);
  progress('components', 1, 1);
  const ev = evidenceOf(g, lg.privateEvidence);
  const inCol = new Uint8Array(g.cols);
  const rings: RingDraft[] = grown.map(({ block: b, grown: gr }) => {
    const members: RingMemberDraft[] = [];
    for (let k = 0; k < gr.rows.length; k++) members.push({ row: gr.rows[k]!, share: gr.share[k]!, strongLinks: gr.strongLinks[k]!, attached: gr.attached[k] === 1 });
    const rows = Int32Array.from(gr.rows).sort();
    return { members, things: thingsOf(lg, rows, b.cols, inCol), stats: blockStats(g, ev, rows, b.cols, inCol, strong), block: b.stats, community: b.community, component: majority(components, rows) };
  });
  progress('rings', rings.length, rings.length);
  rings.sort((a, b) => b.stats.surprise - a.stats.surprise);
  return { rings, dense, components };
}

function thingsOf(lg: LinkGraph, rows: Int32Array, cols: Int32Array, scratch: Uint8Array): RingThingDraft[] {
  const g = lg.graph;
  const inside = new Map<number, number>();
  for (let k = 0; k < cols.length; k++) scratch[cols[k]!] = 1;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    for (let e = g.rowPtr[i]!; e < g.rowPtr[i + 1]!; e++) {
      const j = g.rowAdj[e]!;
      if (scratch[j] === 1) inside.set(j, (inside.get(j) ?? 0) + 1);
    }
  }
  for (let k = 0; k < cols.length; k++) scratch[cols[k]!] = 0;
  return [...inside]
    .map(([col, n]) => ({ col, inside: n, degree: g.colPtr[col + 1]! - g.colPtr[col]! }))
    .sort((a, b) => b.inside * g.colPrior[b.col]! - a.inside * g.colPrior[a.col]! || a.col - b.col);
}

function majority(c: Components, rows: Int32Array): RingDraft['component'] {
  if (rows.length === 0) return null;
  const count = new Map<number, number>();
  for (let k = 0; k < rows.length; k++) {
    const id = c.component[rows[k]!]!;
    count.set(id, (count.get(id) ?? 0) + 1);
  }
  let best = -1;
  let n = 0;
  for (const [id, m] of count) if (m > n) [best, n] = [id, m];
  return { id: best, size: c.size[best]!, overlap: n / rows.length };
}
