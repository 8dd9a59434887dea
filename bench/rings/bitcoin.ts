/**
 * The Bitcoin OTC trust network (../shared/data/bitcoin-otc, SNAP soc-sign-bitcoin-otc) as a
 * bipartite graph of raters × ratees, and FRAUDAR's injection protocol (Hooi et al., KDD 2016):
 * a block of `accounts` new fake raters × `targets` existing ratees (chosen uniformly), each edge
 * present with probability `density`, with camouflage of three kinds:
 * - none;
 * - random: each fake rater also rates as many other ratees as it has block edges, uniformly;
 * - biased: as many, chosen with probability proportional to the ratee's degree (popular ones).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bipartiteFromEdges, type Bipartite } from '../../src/core/rings/bipartite.js';
import { seededRandom } from '../../src/core/rings/random.js';

export const DATA = process.env.BITCOIN_OTC_DIR ?? join(import.meta.dirname, '../../../shared/data/bitcoin-otc');

export interface Rating {
  readonly source: number;
  readonly target: number;
  readonly rating: number;
  readonly time: number;
}

export interface Otc {
  readonly ratings: readonly Rating[];
  /** user id → +1 benign, −1 fraudulent. */
  readonly labels: ReadonlyMap<number, number>;
  /** Row index of each rater, column index of each ratee. */
  readonly rowOf: ReadonlyMap<number, number>;
  readonly colOf: ReadonlyMap<number, number>;
  readonly rowUser: readonly number[];
  readonly colUser: readonly number[];
}

export function loadOtc(dir = DATA): Otc {
  const ratings = readFileSync(join(dir, 'soc-sign-bitcoinotc.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [source, target, rating, time] = l.split(',').map(Number) as [number, number, number, number];
      return { source, target, rating, time };
    });
  const labels = new Map(
    readFileSync(join(dir, 'otc_gt.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number) as [number, number]),
  );
  const rowOf = new Map<number, number>();
  const colOf = new Map<number, number>();
  for (const r of ratings) {
    if (!rowOf.has(r.source)) rowOf.set(r.source, rowOf.size);
    if (!colOf.has(r.target)) colOf.set(r.target, colOf.size);
  }
  return { ratings, labels, rowOf, colOf, rowUser: [...rowOf.keys()], colUser: [...colOf.keys()] };
}

export type Camouflage = 'none' | 'random' | 'biased';

export interface Injection {
  readonly accounts: number;
  readonly targets: number;
  readonly density: number;
  readonly camouflage: Camouflage;
  readonly seed: number;
}

export interface Injected {
  readonly graph: Bipartite;
  /** Rows at or above this index are the fake accounts. */
  readonly firstFake: number;
  readonly blockEdges: number;
  readonly camouflageEdges: number;
}

/** The real graph with a block injected; `accounts: 0` gives the real graph alone. */
export function inject(otc: Otc, inj: Injection): Injected {
  const r = seededRandom(inj.seed);
  const R0 = otc.rowOf.size;
  const C = otc.colOf.size;
  const src: number[] = [];
  const dst: number[] = [];
  for (const x of otc.ratings) {
    src.push(otc.rowOf.get(x.source)!);
    dst.push(otc.colOf.get(x.target)!);
  }
  // Degree-weighted draw for biased camouflage: one entry per real edge.
  const byDegree = Int32Array.from(dst);
  const targets: number[] = [];
  const chosen = new Set<number>();
  while (targets.length < inj.targets) {
    const j = Math.floor(r() * C);
    if (chosen.has(j)) continue;
    chosen.add(j);
    targets.push(j);
  }
  let blockEdges = 0;
  let camouflageEdges = 0;
  for (let i = 0; i < inj.accounts; i++) {
    const row = R0 + i;
    let own = 0;
    for (const j of targets)
      if (r() < inj.density) {
        src.push(row);
        dst.push(j);
        own++;
      }
    blockEdges += own;
    for (let k = 0; k < own && inj.camouflage !== 'none'; k++) {
      let j = -1;
      // Camouflage goes to columns outside the block.
      while (j < 0 || chosen.has(j)) j = inj.camouflage === 'random' ? Math.floor(r() * C) : byDegree[Math.floor(r() * byDegree.length)]!;
      src.push(row);
      dst.push(j);
      camouflageEdges++;
    }
  }
  const graph = bipartiteFromEdges(R0 + inj.accounts, C, Int32Array.from(src), Int32Array.from(dst), src.length);
  return { graph, firstFake: R0, blockEdges, camouflageEdges };
}

/** Area under the ROC curve of `score` for positives versus negatives (ties count half). */
export function auc(items: readonly { score: number; positive: boolean }[]): number {
  const sorted = [...items].sort((a, b) => a.score - b.score);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (!sorted[k]!.positive) continue;
      rankSum += avgRank;
      pos++;
    }
    i = j;
  }
  const neg = sorted.length - pos;
  return pos && neg ? (rankSum - (pos * (pos + 1)) / 2) / (pos * neg) : NaN;
}
