/**
 * Connected components of accounts over strong links (BotGraph's idea, on what we share instead
 * of IPs): two accounts are joined when they share an identity, phone, device, payment
 * instrument, top-up target, address or phone run. Things shared by more than `maxThingDegree`
 * accounts are skipped: a thing that everyone has (a default device id, a payment gateway's
 * placeholder) would join the whole platform into one component.
 */
import type { Bipartite } from './bipartite.js';

export interface Components {
  /** Component of every row; rows with no strong link are their own component. */
  readonly component: Int32Array;
  readonly size: Int32Array;
  readonly count: number;
}

export function unionFind(n: number) {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[ra < rb ? rb : ra] = ra < rb ? ra : rb;
  };
  return { find, union };
}

/** Components of rows joined through the columns `use` accepts. */
export function rowComponents(g: Bipartite, use: (col: number) => boolean, maxThingDegree = 10_000): Components {
  const uf = unionFind(g.rows);
  for (let j = 0; j < g.cols; j++) {
    const a = g.colPtr[j]!;
    const b = g.colPtr[j + 1]!;
    if (b - a < 2 || b - a > maxThingDegree || !use(j)) continue;
    const first = g.colAdj[a]!;
    for (let e = a + 1; e < b; e++) uf.union(first, g.colAdj[e]!);
  }
  const label = new Int32Array(g.rows).fill(-1);
  const component = new Int32Array(g.rows);
  let count = 0;
  for (let i = 0; i < g.rows; i++) {
    const r = uf.find(i);
    if (label[r] === -1) label[r] = count++;
    component[i] = label[r]!;
  }
  const size = new Int32Array(count);
  for (let i = 0; i < g.rows; i++) size[component[i]!]!++;
  return { component, size, count };
}
