/**
 * A generated platform for the scale benchmark: `accounts` accounts and exactly `links`
 * account–thing links, streamed into the link-graph builder (no fact objects kept).
 *
 * Honest accounts have their own phone and device, a household IP shared by 1–4 accounts (a
 * tablet shared in one household of ten), a mobile or office /24 shared by thousands, a verified
 * identity for half of them, and product purchases (skewed popularity over 50,000 products) and
 * everyday claim slots that fill the link budget. About 1 % of accounts are in planted SIM-farm
 * rings of 20–500 accounts: consecutive numbers, racks of shared devices, a few IPs, bought
 * identities, claims in lockstep through a leaked code (shared with tens of thousands of honest
 * claimants), top-ups to a few targets, and camouflage purchases of popular products.
 */
import { seededRandom } from '../../src/core/rings/random.js';
import type { LinkGraphBuilder } from '../../src/core/rings/link-graph.js';

export interface ScaleSpec {
  readonly accounts: number;
  readonly links: number;
  readonly seed: number;
  /** Share of accounts in rings. */
  readonly ringShare: number;
}

export interface Planted {
  /** Size of each planted ring; its accounts are `r<ring>-<i>`. */
  readonly ringSizes: number[];
  readonly ringAccounts: number;
  readonly links: number;
}

const T0 = Date.parse('2019-01-20T00:00:00Z');
const MIN = 60_000;

export function generateScaleGraph(b: LinkGraphBuilder, spec: ScaleSpec, progress: (done: number, total: number) => void = () => {}): Planted {
  const r = seededRandom(spec.seed);
  let links = 0;
  const add = (row: number, kind: Parameters<LinkGraphBuilder['link']>[1], value: string) => {
    b.link(row, kind, value);
    links++;
  };
  // Rings first (their size is fixed), then honest accounts fill the rest of the budget.
  const ringSizes: number[] = [];
  let ringAccounts = 0;
  const target = Math.floor(spec.accounts * spec.ringShare);
  while (ringAccounts < target) {
    const size = Math.min(target - ringAccounts, 20 + Math.floor(r() ** 2 * 480));
    ringSizes.push(size);
    ringAccounts += size;
  }
  const products = 50_000;
  const popular = () => `sku-${Math.floor(products * r() ** 4)}`;
  let row = 0;
  ringSizes.forEach((size, ri) => {
    const seg = `17${String(ri % 10)}${String(1000 + ri).padStart(4, '0')}`;
    let num = Math.floor(r() * 1000);
    const targets = 1 + Math.floor(r() * 5);
    const start = T0 + Math.floor(r() * 24 * 60) * MIN;
    for (let i = 0; i < size; i++, row++) {
      const id = b.account(`r${ri}-${i}`, start);
      num += 1 + Math.floor(r() * 2);
      add(id, 'phone', `${seg}${String(num % 10_000).padStart(4, '0')}`);
      add(id, 'identity', `bought-${ri}-${i}`);
      add(id, 'device', `rack-${ri}-${Math.floor(i / (5 + (ri % 20)))}`);
      add(id, 'ip', `farm-ip-${ri}-${Math.floor(i / 100)}`);
      add(id, 'ip24', `farm-net-${ri}`);
      add(id, 'code', `leaked-${ri % 10}`);
      const at = start + Math.floor((i / size) * 30) * MIN;
      add(id, 'lockstep', `special:a:${Math.floor(at / (10 * MIN))}`);
      add(id, 'target', `phone:188${String(ri).padStart(4, '0')}${String(Math.floor(r() * targets)).padStart(4, '0')}`);
      for (let k = 0; k < 2; k++) add(id, 'product', popular());
    }
  });
  const honest = spec.accounts - row;
  // Base links per honest account: phone, device, ip, ip24, and an identity for every other one;
  // purchases, everyday claim slots and followed codes fill the budget exactly.
  const extraTotal = spec.links - links - 4 * honest - Math.ceil(honest / 2);
  if (extraTotal < 0) throw new Error('link budget too small for the accounts');
  let household = 0;
  let inHousehold = 0;
  let householdSize = 1;
  const step = Math.max(1, Math.floor(honest / 100));
  for (let i = 0; i < honest; i++, row++) {
    if (inHousehold >= householdSize) {
      household++;
      inHousehold = 0;
      householdSize = 1 + Math.floor(r() * 4);
    }
    inHousehold++;
    const id = b.account(`u${i}`, T0 - Math.floor(r() * 400) * 86_400_000);
    add(id, 'phone', `13${Math.floor(r() * 10)}${String(Math.floor(r() * 1e8)).padStart(8, '0')}`);
    add(id, 'device', household % 10 === 0 && inHousehold > 1 ? `tablet-${household}` : `dev-u${i}`);
    add(id, 'ip', `home-${household}`);
    add(id, 'ip24', `net-${Math.floor(r() * 500)}`);
    if (i % 2 === 0) add(id, 'identity', `id-u${i}`);
    const extra = Math.floor(((i + 1) * extraTotal) / honest) - Math.floor((i * extraTotal) / honest);
    for (let k = 0; k < extra; k++) {
      const x = r();
      if (x < 0.7) add(id, 'product', popular());
      else if (x < 0.95) add(id, 'lockstep', `c${Math.floor(r() * 50)}:a:${Math.floor((T0 + r() * 86_400_000) / (10 * MIN))}`);
      else add(id, 'code', `leaked-${Math.floor(r() * 10)}`);
    }
    if (i % step === 0) progress(i, honest);
  }
  progress(honest, honest);
  return { ringSizes, ringAccounts, links };
}
