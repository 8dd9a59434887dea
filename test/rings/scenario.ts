/**
 * Crafted link-graph scenarios, deterministic per seed: an honest population (households sharing
 * an IP and sometimes a device, offices sharing a /24, purchases of products with a skewed
 * popularity, claims of everyday campaigns), optionally a dense core of heavy shoppers, SIM-farm
 * rings (consecutive numbers, shared devices and IPs, bought identities, claims in lockstep,
 * cash-out to a few targets, optionally camouflaged with purchases of popular products), and
 * swept-in consumers (honest accounts that claimed through the same leaked code).
 */
import type { ThingKind } from '../../src/core/rings/kinds.js';
import { rng } from '../risk/risk-helpers.js';

export interface Fact {
  readonly account: string;
  readonly kind: ThingKind;
  readonly value: string;
  readonly at: number;
}

export interface RingSpec {
  readonly accounts: number;
  /** Accounts per shared device. */
  readonly perDevice: number;
  /** Accounts per shared IP. */
  readonly perIp: number;
  readonly targets: number;
  /** Popular products each member buys as camouflage. */
  readonly camouflage: number;
  /** Share of members that use a shared device at all (the rest have their own). */
  readonly deviceShare?: number;
}

export interface ScenarioSpec {
  readonly seed: number;
  readonly honest: number;
  readonly heavyShoppers: number;
  readonly products: number;
  readonly rings: readonly RingSpec[];
  readonly sweptIn: number;
}

export interface Scenario {
  readonly facts: Fact[];
  readonly ringOf: Map<string, number>;
  readonly heavy: Set<string>;
  readonly sweptIn: Set<string>;
  readonly honest: Set<string>;
}

const T0 = Date.parse('2019-01-20T01:00:00Z');
const MIN = 60_000;

export function scenario(spec: ScenarioSpec): Scenario {
  const r = rng(spec.seed);
  const facts: Fact[] = [];
  const add = (account: string, kind: ThingKind, value: string, at = T0) => facts.push({ account, kind, value, at });
  // Zipf-like popularity: product k is bought with weight 1/(k+1).
  const cum: number[] = [];
  let sum = 0;
  for (let k = 0; k < spec.products; k++) cum.push((sum += 1 / (k + 1)));
  const product = () => {
    const x = r() * sum;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return `sku-${lo}`;
  };
  const phone = () => `13${Math.floor(r() * 10)}${String(Math.floor(r() * 1e8)).padStart(8, '0')}`;
  const honest = new Set<string>();
  const heavy = new Set<string>();
  const sweptIn = new Set<string>();
  const ringOf = new Map<string, number>();

  // Honest population: households of 1–4 share an IP (and half of them a tablet).
  let household = 0;
  for (let i = 0; i < spec.honest; ) {
    const size = 1 + Math.floor(r() * 4);
    const hh = household++;
    const office = Math.floor(r() * Math.max(1, spec.honest / 60));
    for (let k = 0; k < size && i < spec.honest; k++, i++) {
      const a = `u${i}`;
      honest.add(a);
      add(a, 'identity', `id-u${i}`);
      add(a, 'phone', phone());
      add(a, 'device', `dev-u${i}`);
      if (size > 1 && hh % 2 === 0) add(a, 'device', `tablet-h${hh}`);
      add(a, 'ip', `ip-h${hh}`);
      add(a, 'ip24', `net-h${hh % 400}`);
      add(a, 'ip24', `office-${office}`);
      const buys = 1 + Math.floor(r() * 6);
      for (let b = 0; b < buys; b++) add(a, 'product', product());
      // Everyday campaigns, claimed whenever.
      const claims = Math.floor(r() * 3);
      for (let c = 0; c < claims; c++) {
        const camp = Math.floor(r() * 20);
        const at = T0 + Math.floor(r() * 24 * 60) * MIN;
        add(a, 'lockstep', `c${camp}:a:${Math.floor(at / (10 * MIN))}`, at);
      }
    }
  }
  // Heavy shoppers: a big dense honest core, buying many of the same popular products.
  for (let i = 0; i < spec.heavyShoppers; i++) {
    const a = `heavy${i}`;
    heavy.add(a);
    add(a, 'identity', `id-heavy${i}`);
    add(a, 'phone', phone());
    add(a, 'device', `dev-heavy${i}`);
    add(a, 'ip', `ip-heavy${i}`);
    add(a, 'ip24', `net-h${i % 400}`);
    for (let b = 0; b < 60; b++) add(a, 'product', product());
    for (let c = 0; c < 10; c++) {
      const at = T0 + Math.floor(r() * 24 * 60) * MIN;
      add(a, 'lockstep', `c${c}:a:${Math.floor(at / (10 * MIN))}`, at);
    }
  }
  // Swept-in consumers: honest accounts (own everything) that claimed through the leaked code over hours.
  for (let i = 0; i < spec.sweptIn; i++) {
    const a = `swept${i}`;
    sweptIn.add(a);
    add(a, 'identity', `id-swept${i}`);
    add(a, 'phone', phone());
    add(a, 'device', `dev-swept${i}`);
    add(a, 'ip', `ip-swept${i}`);
    add(a, 'ip24', `net-h${Math.floor(r() * 400)}`);
    for (let b = 0; b < 1 + Math.floor(r() * 4); b++) add(a, 'product', product());
    const at = T0 + 2 * 60 * MIN + Math.floor(r() * 8 * 60) * MIN;
    add(a, 'code', 'leaked-code', at);
    add(a, 'lockstep', `special:a:${Math.floor(at / (10 * MIN))}`, at);
  }
  // SIM-farm rings.
  spec.rings.forEach((ring, ri) => {
    const seg = `17${ri}${String(1000 + Math.floor(r() * 8000)).padStart(4, '0')}`;
    let num = Math.floor(r() * 1000);
    const net = `farm-net-${ri}`;
    for (let i = 0; i < ring.accounts; i++) {
      const a = `ring${ri}-${i}`;
      ringOf.set(a, ri);
      num += 1 + Math.floor(r() * 2);
      add(a, 'phone', `${seg}${String(num).padStart(4, '0')}`);
      add(a, 'identity', `bought-id-${ri}-${i}`);
      if (r() < (ring.deviceShare ?? 1)) add(a, 'device', `farm-dev-${ri}-${Math.floor(i / ring.perDevice)}`);
      else add(a, 'device', `own-dev-${ri}-${i}`);
      add(a, 'ip', `farm-ip-${ri}-${Math.floor(i / ring.perIp)}`);
      add(a, 'ip24', net);
      const at = T0 + Math.floor((i / ring.accounts) * 30) * MIN;
      add(a, 'code', 'leaked-code', at);
      add(a, 'lockstep', `special:a:${Math.floor(at / (10 * MIN))}`, at);
      add(a, 'target', `phone:1880000${ri}${String(Math.floor(r() * ring.targets)).padStart(3, '0')}`, at + 5 * MIN);
      for (let b = 0; b < ring.camouflage; b++) add(a, 'product', `sku-${Math.floor(r() * 20)}`);
    }
  });
  return { facts, ringOf, heavy, sweptIn, honest };
}
