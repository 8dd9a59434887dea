/**
 * Each detector on crafted link graphs (see scenario.ts): a SIM-farm ring camouflaged with
 * purchases of popular products; a big dense honest core of heavy shoppers next to a small ring;
 * households and offices that share networks. The ring is found whole, nothing honest is flagged.
 */
import { describe, expect, it } from 'vitest';
import { bipartiteFromEdges } from '../../src/core/rings/bipartite.js';
import { findRings } from '../../src/core/rings/find-rings.js';
import { peelBlocks } from '../../src/core/rings/peel.js';
import { LinkGraphBuilder, type LinkGraph } from '../../src/core/rings/link-graph.js';
import { scenario, type Scenario, type ScenarioSpec } from './scenario.js';

function build(sc: Scenario): LinkGraph {
  const b = new LinkGraphBuilder();
  for (const f of sc.facts) b.add(f.account, f.kind, f.value, f.at);
  return b.build();
}

/** Who the flagged rings hold, by kind of account. */
function tally(sc: Scenario, lg: LinkGraph, rows: readonly number[]) {
  const t = { ring: 0, heavy: 0, swept: 0, honest: 0 };
  for (const i of rows) {
    const a = lg.accounts[i]!;
    if (sc.ringOf.has(a)) t.ring++;
    else if (sc.heavy.has(a)) t.heavy++;
    else if (sc.sweptIn.has(a)) t.swept++;
    else t.honest++;
  }
  return t;
}

const base: ScenarioSpec = { seed: 11, honest: 6000, heavyShoppers: 0, products: 500, sweptIn: 0, rings: [] };

describe('ring camouflaged with purchases of popular products', () => {
  const sc = scenario({ ...base, rings: [{ accounts: 120, perDevice: 12, perIp: 40, targets: 3, camouflage: 12 }] });
  const lg = build(sc);
  const found = findRings(lg);

  it('dense blocks: one flagged ring, all 120 members, no one else', () => {
    expect(found.rings).toHaveLength(1);
    const ring = found.rings[0]!;
    expect(tally(sc, lg, ring.members.map((m) => m.row))).toEqual({ ring: 120, heavy: 0, swept: 0, honest: 0 });
    // Its strong things are its own; the popular products it bought do not count against it.
    expect(ring.stats.colShare).toBeGreaterThan(0.9);
    const kinds = new Set(ring.things.map((t) => lg.thingKind[t.col]));
    expect(kinds.has('device') && kinds.has('phone_run') && kinds.has('target')).toBe(true);
  });

  it('the camouflage is real: members put a large share of what they share on popular products', () => {
    const ring = found.rings[0]!;
    expect(ring.stats.rowShare).toBeLessThan(0.8);
  });

  it('connected components over strong links hold the ring in one component', () => {
    const rows = found.rings[0]!.members.map((m) => m.row);
    const comps = new Set(rows.map((i) => found.components.component[i]));
    expect(comps.size).toBe(1);
    expect(found.components.size[[...comps][0]!]).toBe(120);
  });

  it('Louvain puts the ring in one community', () => {
    const rows = found.rings[0]!.members.map((m) => m.row);
    const communities = new Map<number, number>();
    for (const i of rows) communities.set(found.dense.communities[i]!, (communities.get(found.dense.communities[i]!) ?? 0) + 1);
    expect(Math.max(...communities.values())).toBeGreaterThanOrEqual(114);
  });
});

describe('a big dense honest core of heavy shoppers next to a small ring', () => {
  const sc = scenario({ ...base, seed: 12, heavyShoppers: 400, rings: [{ accounts: 25, perDevice: 5, perIp: 25, targets: 2, camouflage: 4 }] });
  const lg = build(sc);
  const found = findRings(lg);

  it('the core is the densest block by plain FRAUDAR (every column weighted alike): single-block FRAUDAR returns it, not the ring', () => {
    const g = lg.graph;
    const src = new Int32Array(g.rowAdj.length);
    for (let i = 0; i < g.rows; i++) src.fill(i, g.rowPtr[i]!, g.rowPtr[i + 1]!);
    const plain = bipartiteFromEdges(g.rows, g.cols, src, g.rowAdj, g.rowAdj.length);
    const [first] = peelBlocks(plain, { peels: 1 });
    const t = tally(sc, lg, Array.from(first!.rows));
    expect(t.heavy).toBeGreaterThan(300);
    expect(t.ring).toBe(0);
  });

  it('the core is not flagged: it shares no strong thing, and what it shares is popular', () => {
    const flagged = found.dense.blocks.filter((b) => b.flagged);
    expect(flagged.every((b) => tally(sc, lg, Array.from(b.rows)).heavy === 0)).toBe(true);
  });

  it('the small ring is found whole and no heavy shopper or honest account is in any ring', () => {
    const all = found.rings.flatMap((r) => r.members.map((m) => m.row));
    expect(tally(sc, lg, all)).toEqual({ ring: 25, heavy: 0, swept: 0, honest: 0 });
  });
});

describe('households and offices sharing networks', () => {
  it('flags nothing in an honest population', () => {
    const sc = scenario({ ...base, seed: 13, heavyShoppers: 200 });
    const found = findRings(build(sc));
    expect(found.rings).toEqual([]);
    // Households do form small strong components, but none is a ring.
    expect(Math.max(...found.components.size)).toBeLessThan(10);
  });
});

describe('swept-in consumers who used the same leaked code', () => {
  it('stay out of the ring even though they share its code and its claim slots', () => {
    const sc = scenario({ ...base, seed: 14, sweptIn: 600, rings: [{ accounts: 200, perDevice: 20, perIp: 50, targets: 4, camouflage: 3 }] });
    const lg = build(sc);
    const found = findRings(lg);
    const all = found.rings.flatMap((r) => r.members.map((m) => m.row));
    expect(tally(sc, lg, all)).toEqual({ ring: 200, heavy: 0, swept: 0, honest: 0 });
  });
});
