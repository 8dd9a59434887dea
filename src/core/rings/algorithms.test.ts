import { describe, expect, it } from 'vitest';
import { bipartiteFromEdges, columnWeight, type Bipartite } from './bipartite.js';
import { rowComponents } from './components.js';
import { detectDenseBlocks, rewired } from './dense-blocks.js';
import { growBlock } from './grow.js';
import { fromBipartite, louvain, modularity } from './louvain.js';
import { PeelScratch, peelBlocks, peelRegion, wholeGraph } from './peel.js';
import { phoneRuns } from './phone-runs.js';
import { seededRandom } from './random.js';
import { blockStats, evidenceOf, poissonSurprise } from './significance.js';

/** A graph from [row, col] pairs. */
function graph(rows: number, cols: number, edges: [number, number][], prior?: (j: number) => number): Bipartite {
  return bipartiteFromEdges(rows, cols, Int32Array.from(edges.map((e) => e[0])), Int32Array.from(edges.map((e) => e[1])), edges.length, prior);
}

/** Random sparse background: `rows` × `cols`, each row with `perRow` random columns. */
function background(rows: number, cols: number, perRow: number, seed: number): [number, number][] {
  const r = seededRandom(seed);
  const out: [number, number][] = [];
  for (let i = 0; i < rows; i++) for (let k = 0; k < perRow; k++) out.push([i, Math.floor(r() * cols)]);
  return out;
}

const sorted = (a: ArrayLike<number>) => Array.from(a).sort((x, y) => x - y);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe('bipartite graph', () => {
  it('collapses duplicate edges, sorts adjacency both ways and weights columns by FRAUDAR', () => {
    const g = graph(3, 3, [[2, 0], [0, 1], [0, 1], [1, 1], [2, 1], [0, 0]]);
    expect(g.rowAdj.length).toBe(5);
    expect(Array.from(g.rowAdj.subarray(g.rowPtr[0]!, g.rowPtr[1]!))).toEqual([0, 1]);
    expect(Array.from(g.colAdj.subarray(g.colPtr[1]!, g.colPtr[2]!))).toEqual([0, 1, 2]);
    expect(g.colWeight[1]).toBeCloseTo(1 / Math.log(8));
    expect(g.colWeight[2]).toBeCloseTo(1 / Math.log(5));
    expect(columnWeight(10, 0.5)).toBeCloseTo(0.5 / Math.log(15));
  });
});

describe('greedy peeling (FRAUDAR)', () => {
  it('finds a planted 20×10 block in sparse noise', () => {
    const edges = background(500, 300, 3, 1);
    for (let i = 0; i < 20; i++) for (let j = 0; j < 10; j++) edges.push([480 + i, 290 + j]);
    const g = graph(500, 300, edges);
    const b = peelRegion(new PeelScratch(g), wholeGraph(g).rows, wholeGraph(g).cols);
    expect(sorted(b.rows)).toEqual(range(480, 500));
    expect(sorted(b.cols)).toEqual(range(290, 300));
  });

  it('is not fooled by camouflage: the block rows also rate popular honest columns', () => {
    const edges = background(500, 300, 3, 2);
    // Popular honest columns 0..9 rated by half of everybody.
    for (let i = 0; i < 250; i++) for (let j = 0; j < 10; j++) if ((i + j) % 2 === 0) edges.push([i, j]);
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 10; j++) edges.push([480 + i, 290 + j]);
      for (let j = 0; j < 10; j++) edges.push([480 + i, j]); // biased camouflage, as many edges as the block's own
    }
    const g = graph(500, 300, edges);
    const [first] = peelBlocks(g, { peels: 1 });
    const fakes = Array.from(first!.rows).filter((i) => i >= 480).length;
    expect(fakes).toBe(20);
  });

  it('multi-block: takes a dense core out and then finds the smaller block behind it', () => {
    const edges = background(600, 400, 2, 3);
    for (let i = 0; i < 60; i++) for (let j = 0; j < 60; j++) if ((i * 7 + j) % 3 === 0) edges.push([i, j]); // big core, fill 1/3
    for (let i = 0; i < 12; i++) for (let j = 0; j < 6; j++) edges.push([580 + i, 390 + j]); // small full block
    const g = graph(600, 400, edges);
    const blocks = peelBlocks(g, { peels: 3, minRows: 5 });
    expect(Array.from(blocks[0]!.rows).filter((i) => i < 60).length).toBeGreaterThan(50);
    expect(blocks.some((b) => sorted(b.rows).join() === range(580, 592).join())).toBe(true);
  });
});

describe('Louvain', () => {
  it('separates two cliques joined by one edge and reports their modularity', () => {
    // Rows 0–9 × cols 0–4, rows 10–19 × cols 5–9, plus one bridge.
    const edges: [number, number][] = [];
    for (let i = 0; i < 10; i++) for (let j = 0; j < 5; j++) edges.push([i, j], [10 + i, 5 + j]);
    edges.push([0, 5]);
    const g = fromBipartite(graph(20, 10, edges));
    const L = louvain(g, { seed: 3 });
    expect(L.count).toBe(2);
    const c = L.community;
    expect(new Set(range(0, 10).map((i) => c[i])).size).toBe(1);
    expect(new Set(range(10, 20).map((i) => c[i])).size).toBe(1);
    expect(c[0]).not.toBe(c[10]);
    expect(c[20]).toBe(c[0]); // column 0 with rows 0–9
    expect(L.modularity).toBeCloseTo(modularity(g, c, L.count));
    expect(L.modularity).toBeGreaterThan(0.45);
  });

  it('is deterministic for a seed', () => {
    const g = fromBipartite(graph(300, 200, background(300, 200, 4, 9)));
    expect(Array.from(louvain(g, { seed: 5 }).community)).toEqual(Array.from(louvain(g, { seed: 5 }).community));
  });
});

describe('strong-link components', () => {
  it('joins rows through accepted columns only, skipping things shared by too many', () => {
    // col 0 strong (rows 0,1), col 1 weak (rows 1,2), col 2 strong (rows 2,3), col 3 strong but shared by all 5.
    const g = graph(5, 4, [[0, 0], [1, 0], [1, 1], [2, 1], [2, 2], [3, 2], ...range(0, 5).map((i) => [i, 3] as [number, number])]);
    const c = rowComponents(g, (j) => j !== 1, 4);
    expect(c.component[0]).toBe(c.component[1]);
    expect(c.component[2]).toBe(c.component[3]);
    expect(c.component[1]).not.toBe(c.component[2]);
    expect(c.count).toBe(3);
  });
});

describe('phone runs', () => {
  it('finds runs of near-consecutive numbers in a segment, ignoring pairs and scattered numbers', () => {
    const runs = phoneRuns(['17012340001', '17012340002', '17012340005', '17012340006', '17012340100', '13800000001', '13800000002', '13912345678']);
    expect(runs).toEqual([{ key: '1701234:0001-0006', phones: ['17012340001', '17012340002', '17012340005', '17012340006'] }]);
  });
});

describe('block significance', () => {
  it('scores a block by its mass against what its rows and columns would put there anyway', () => {
    expect(poissonSurprise(10, 10)).toBe(0);
    expect(poissonSurprise(5, 10)).toBe(0);
    expect(poissonSurprise(100, 1)).toBeCloseTo(100 * Math.log(100) - 99);
    const edges = background(2000, 500, 2, 4);
    for (let i = 0; i < 10; i++) for (let j = 0; j < 4; j++) edges.push([1990 + i, 496 + j]);
    const g = graph(2000, 500, edges);
    const ev = evidenceOf(g);
    const s = blockStats(g, ev, range(1990, 2000), range(496, 500), new Uint8Array(500));
    expect(s.lift).toBeGreaterThan(10);
    expect(s.colShare).toBeGreaterThan(0.5); // each column also has ~8 background raters
    expect(s.fill).toBe(1);
  });
});

describe('dense blocks with a null-calibrated bar', () => {
  it('flags a planted block and nothing in pure noise', () => {
    const noise = graph(800, 400, background(800, 400, 4, 6));
    expect(detectDenseBlocks(noise, { minRows: 5 }).blocks.filter((b) => b.flagged)).toEqual([]);
    const edges = background(800, 400, 4, 6);
    for (let i = 0; i < 30; i++) for (let j = 0; j < 8; j++) edges.push([770 + i, 392 + j]);
    const r = detectDenseBlocks(graph(800, 400, edges), { minRows: 5 });
    const flagged = r.blocks.filter((b) => b.flagged);
    expect(flagged).toHaveLength(1);
    expect(sorted(flagged[0]!.rows)).toEqual(range(770, 800));
    expect(r.nullBest).toBeGreaterThan(0);
  });

  it('rewiring keeps every row and column degree (up to collapsed duplicates)', () => {
    const g = graph(300, 100, background(300, 100, 3, 8));
    const n = rewired(g, 1);
    expect(n.rowAdj.length).toBeGreaterThan(g.rowAdj.length * 0.95);
    expect(n.rows).toBe(g.rows);
  });
});

describe('growing a block', () => {
  it('adds rows that put most of what they share on the block through a strong column, not rows tied by a weak one', () => {
    // Block rows 0–4 × cols 0–1 (strong). Row 5: col 0 only → joins. Row 6: col 0 plus three other things → stays out.
    // Row 7: col 2 (weak, in the block) only → stays out.
    const edges: [number, number][] = [];
    for (let i = 0; i < 5; i++) edges.push([i, 0], [i, 1], [i, 2]);
    edges.push([5, 0], [6, 0], [6, 3], [6, 4], [6, 5], [7, 2], [8, 3], [8, 4], [8, 5]);
    const g = graph(9, 6, edges);
    const strong = Uint8Array.from([1, 1, 0, 1, 1, 1]);
    const taken = new Uint8Array(9);
    for (let i = 0; i < 5; i++) taken[i] = 1;
    const grown = growBlock(g, { rows: Int32Array.from(range(0, 5)), cols: Int32Array.from([0, 1, 2]) }, strong, evidenceOf(g), taken, 0.5, new Uint8Array(6));
    expect(sorted(grown.rows)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(grown.attached)).toEqual([0, 0, 0, 0, 0, 1]);
  });
});
