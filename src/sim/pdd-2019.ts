/**
 * Scenario pdd-2019: the January 2019 incident (see PRODUCT.md) as generated traffic with a
 * ground-truth label on every actor. A festival of normal traffic (a daily curve, festival level
 * several times normal, everyday campaigns claimed and redeemed on physical goods); a special ¥100
 * no-threshold coupon for an offline event whose guests claim with real codes the evening before;
 * from 01:00 SIM-farm rings (fresh accounts on consecutive numbers in a few 7-digit segments, many
 * accounts per device, pooled networks, bought identities, one claim each) claim in bulk and cash
 * out at once through top-ups and game currency to a few targets; from 02:00 the codes (or the
 * online entry) spread to ordinary consumers, a growing wave of one claim each (swept-in).
 *
 * Nothing here knows the system's rules or thresholds: the shapes come from the seed's account.
 */
import { makeResidentId } from '../core/identity/resident-id.js';
import { poisson, type Rng } from './random.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** Midnight in China (UTC+8) on 2019-01-18: the first day of history. */
export const D0 = Date.parse('2019-01-17T16:00:00Z');

export type Label = 'legit' | 'ring' | 'swept_in';

/**
 * Variants of the incident (issue 7), each changing one thing, meant for the loophole configuration:
 * - `flash-sale`: no attack; a legitimate flash sale announced to the monitor at its start time,
 *   claimed once each by ordinary accounts at many times the festival rate (must not be stopped);
 * - `slow-drip`: the rings claim at a low steady rate;
 * - `camouflage`: ring accounts are older and have bought popular products before claiming;
 * - `rotating`: each ring account has its own fresh device and a residential-proxy IP on its own /24;
 * - `bought-identities`: identities bought in bulk, phone numbers scattered over many segments;
 * - `combined`: the four attack variants at once (what a ring that read the rules would do).
 */
export const VARIANTS = ['none', 'flash-sale', 'slow-drip', 'camouflage', 'rotating', 'bought-identities', 'combined'] as const;
export type Variant = (typeof VARIANTS)[number];
/** Whether a variant has a given attack trait (`combined` has them all). */
export const hasTrait = (v: Variant, t: 'slow-drip' | 'camouflage' | 'rotating' | 'bought-identities'): boolean => v === t || v === 'combined';

/** One generated account, with the truth about who is behind it. */
export interface Actor {
  readonly id: string;
  readonly label: Label;
  /** Ring index for ring members. */
  readonly ring: number | null;
  readonly phone: string;
  readonly deviceId: string;
  readonly ip: string;
  readonly identity: string;
  readonly createdAt: number;
  /** A guest at the offline event (holds a real code). */
  readonly guest: boolean;
}

export interface ScenarioParams {
  readonly seed: number;
  /** Multiplies populations and rates (1 = the shapes in `SHAPES`: 2,000 legit accounts, 3 rings of 150). */
  readonly scale: number;
  /** Days of ordinary traffic before the festival day (the monitor's baseline). */
  readonly historyDays: number;
  /** How long to run after the attack starts. */
  readonly hoursAfterAttack: number;
  /** A variant of the incident; 'none' (the default) is the incident itself. */
  readonly variant?: Variant;
  /** Populations, rates and timings that replace the defaults in `SHAPES` (before scaling). */
  readonly shapes?: Partial<Shapes>;
}

/** One SIM-farm ring: its 7-digit segment, accounts, accounts per device, pooled IPs, cash-out targets. */
export interface RingShape {
  readonly segment: string;
  readonly accounts: number;
  readonly perDevice: number;
  readonly ips: number;
  readonly targets: number;
}

/** The scenario's knobs (before `scale`): populations, rates and timings. */
export interface Shapes {
  readonly legitAccounts: number;
  readonly guests: number;
  readonly sweptIn: number;
  readonly rings: readonly RingShape[];
  /** Everyday claims per minute at the daily peak, normal level; the festival is `festival` × that. */
  readonly peakPerMinute: number;
  readonly festival: number;
  /** Claims per minute per ring during its burst. */
  readonly ringPerMinute: number;
  /** The swept-in wave: claims per minute grow by this much each minute, up to `sweptCap`. */
  readonly sweptGrowth: number;
  readonly sweptCap: number;
  /** Share of ring accounts that pay a challenge's CPU cost rather than give up. */
  readonly ringSolves: number;
  /** Share of everyday claims followed by an order on physical goods. */
  readonly redeemShare: number;
  /** flash-sale: this share of the legit accounts claims once each, evenly over `flashMinutes`. */
  readonly flashShare: number;
  readonly flashMinutes: number;
  /** slow-drip: claims per minute per ring. */
  readonly slowDripPerMinute: number;
  /** camouflage: purchases of popular products per ring account before it claims. */
  readonly camouflagePurchases: number;
  /** The offline event: its guests claim from this many minutes before the attack, over `eventMinutes`. */
  readonly eventBeforeAttackMinutes: number;
  readonly eventMinutes: number;
  /** The codes (or the online entry) reach ordinary consumers this many minutes after the attack starts. */
  readonly sweptAfterMinutes: number;
}

/**
 * The default full run: ten times the shapes (20,000 legit accounts with history, 3 SIM-farm rings
 * of 1,500 accounts, 3,000 swept-in consumers, ~86,000 legit claims), both configurations in
 * about 3 minutes on a 2-vCPU machine (bench/README.md, "Replay lab").
 */
export const DEFAULT_PARAMS: ScenarioParams = { seed: 2019, scale: 10, historyDays: 2, hoursAfterAttack: 3 };

/** Share of the daily peak by hour of day (China): quiet nights, a lunch and an evening peak. */
const SHAPE = [0.15, 0.08, 0.05, 0.04, 0.04, 0.06, 0.12, 0.25, 0.4, 0.5, 0.55, 0.6, 0.75, 0.65, 0.55, 0.55, 0.6, 0.65, 0.7, 0.85, 1, 0.95, 0.7, 0.35];
export const dailyShape = (t: number): number => SHAPE[new Date(t + 8 * HOUR).getUTCHours()]!;

/** The scenario's default shapes (before scaling); documented in bench/README.md. */
export const SHAPES: Shapes = {
  legitAccounts: 2_000,
  guests: 100,
  sweptIn: 300,
  rings: [
    { segment: '1709512', accounts: 150, perDevice: 20, ips: 4, targets: 3 },
    { segment: '1381234', accounts: 150, perDevice: 25, ips: 4, targets: 2 },
    { segment: '1862345', accounts: 150, perDevice: 15, ips: 6, targets: 3 },
  ],
  peakPerMinute: 6,
  festival: 4,
  ringPerMinute: 10,
  sweptGrowth: 0.2,
  sweptCap: 20,
  ringSolves: 0.5,
  redeemShare: 0.4,
  flashShare: 0.75,
  flashMinutes: 15,
  slowDripPerMinute: 0.5,
  camouflagePurchases: 3,
  // The recording the evening before (20:00–21:00 when the attack starts at 01:00).
  eventBeforeAttackMinutes: 300,
  eventMinutes: 60,
  sweptAfterMinutes: 60,
};

const phoneOf = (prefix: string, i: number): string => `${prefix}${String((i * 7_919_993 + 12_345_678) % 100_000_000).padStart(8, '0')}`;

function identityOf(region: string, i: number): string {
  const birth = new Date(Date.UTC(1960, 0, 1) + Math.floor(i / 1000) * DAY).toISOString().slice(0, 10).replaceAll('-', '');
  return makeResidentId(region, birth, i % 1000);
}

export interface Scenario {
  readonly params: ScenarioParams;
  readonly actors: readonly Actor[];
  readonly legit: readonly Actor[];
  readonly guests: readonly Actor[];
  readonly rings: readonly (readonly Actor[])[];
  readonly sweptIn: readonly Actor[];
  readonly variant: Variant;
  /** flash-sale: the legit accounts that claim in the flash sale, and its window. */
  readonly flash: readonly Actor[];
  readonly flashStart: number;
  readonly flashEnd: number;
  /** Cash-out targets per ring (phone numbers or game accounts). */
  readonly targets: readonly (readonly string[])[];
  readonly festivalDay: number;
  readonly attackStart: number;
  readonly sweptStart: number;
  readonly end: number;
  /** When the offline event's guests claim with their real codes (the evening before), evenly until `eventEnd`. */
  readonly eventAt: number;
  readonly eventEnd: number;
  /** The shapes this scenario was generated with (defaults and overrides, before scaling). */
  readonly shapes: Shapes;
}

/** Ring numbers are the segment and 4 digits from 1000: at most this many accounts per ring. */
export const MAX_RING_ACCOUNTS = 9_000;

/** What makes a set of parameters impossible to generate (empty: fine). */
export function scenarioProblems(p: ScenarioParams): string[] {
  const sh: Shapes = { ...SHAPES, ...p.shapes };
  const out: string[] = [];
  sh.rings.forEach((r, k) => {
    if (Math.round(r.accounts * p.scale) > MAX_RING_ACCOUNTS) out.push(`ring ${k} (${r.segment}): ${r.accounts} accounts × scale ${p.scale} is more than ${MAX_RING_ACCOUNTS} consecutive numbers`);
  });
  return out;
}

export function pdd2019(p: ScenarioParams): Scenario {
  const n = (x: number) => Math.max(1, Math.round(x * p.scale));
  const variant: Variant = p.variant ?? 'none';
  const sh: Shapes = { ...SHAPES, ...p.shapes };
  const festivalDay = D0 + p.historyDays * DAY;
  const attackStart = festivalDay + HOUR;
  const legit: Actor[] = [];
  for (let i = 0; i < n(sh.legitAccounts); i++)
    legit.push({
      id: `L${i}`,
      label: 'legit',
      ring: null,
      phone: phoneOf('139', i),
      deviceId: `dev-L${i}`,
      ip: `${36 + (i % 50)}.${(i * 37) % 256}.${(i * 101) % 256}.${1 + (i % 250)}`,
      identity: identityOf('110105', i),
      createdAt: D0 - (30 + ((i * 13) % 1000)) * DAY,
      guest: false,
    });
  const guestCount = Math.min(legit.length, n(sh.guests));
  const guests = legit.slice(0, guestCount).map((a) => ({ ...a, guest: true }));
  legit.splice(0, guestCount, ...guests);
  const sweptIn: Actor[] = [];
  for (let i = 0; i < (variant === 'flash-sale' ? 0 : n(sh.sweptIn)); i++)
    sweptIn.push({
      id: `S${i}`,
      label: 'swept_in',
      ring: null,
      phone: phoneOf('138', i),
      deviceId: `dev-S${i}`,
      ip: `${120 + (i % 50)}.${(i * 53) % 256}.${(i * 89) % 256}.${1 + (i % 250)}`,
      identity: identityOf('310104', i),
      createdAt: D0 - (60 + ((i * 17) % 900)) * DAY,
      guest: false,
    });
  const rings: Actor[][] = [];
  const targets: string[][] = [];
  const prefixes = ['135', '136', '137', '150', '151', '158', '187', '188', '130', '186'];
  (variant === 'flash-sale' ? [] : sh.rings).forEach((spec, k) => {
    const members: Actor[] = [];
    for (let j = 0; j < n(spec.accounts); j++)
      members.push({
        id: `R${k}-${j}`,
        label: 'ring',
        ring: k,
        phone: hasTrait(variant, 'bought-identities') ? phoneOf(prefixes[(j * 7 + k * 3) % prefixes.length]!, 500_000 + k * 10_000 + j) : `${spec.segment}${String(1000 + j).padStart(4, '0')}`,
        deviceId: hasTrait(variant, 'rotating') ? `dev-R${k}-${j}-fresh` : `dev-R${k}-${Math.floor(j / spec.perDevice)}`,
        // Residential proxies: one address on its own /24 per account, across many ISPs' ranges.
        ip: hasTrait(variant, 'rotating') ? `${101 + ((j * 7 + k * 13) % 120)}.${(j * 131 + k * 17) % 256}.${(j * 59 + k * 101) % 256}.${1 + ((j * 11) % 250)}` : `117.${60 + k}.9.${1 + (j % spec.ips)}`,
        // Bought identities: real-looking, from many people, each used once.
        identity: identityOf(['440301', '450102', '360102'][k % 3]!, 7_000 + k * 50_000 + j * 3),
        createdAt: hasTrait(variant, 'camouflage') ? attackStart - (20 + (j % 40)) * DAY : attackStart - (1 + (j % 20)) * HOUR,
        guest: false,
      });
    rings.push(members);
    targets.push(Array.from({ length: spec.targets }, (_, t) => (t % 2 === 0 ? `1591234${String(k * 100 + t).padStart(4, '0')}` : `game-${k}-${t}`)));
  });
  const flash = variant === 'flash-sale' ? legit.slice(guestCount, guestCount + n(sh.legitAccounts * sh.flashShare)) : [];
  return {
    params: p,
    shapes: sh,
    variant,
    flash,
    flashStart: attackStart,
    flashEnd: attackStart + sh.flashMinutes * MIN,
    actors: [...legit, ...sweptIn, ...rings.flat()],
    legit,
    guests,
    rings,
    sweptIn,
    targets,
    festivalDay,
    attackStart,
    sweptStart: attackStart + sh.sweptAfterMinutes * MIN,
    end: attackStart + p.hoursAfterAttack * HOUR,
    eventAt: attackStart - sh.eventBeforeAttackMinutes * MIN,
    eventEnd: attackStart - sh.eventBeforeAttackMinutes * MIN + sh.eventMinutes * MIN,
  };
}

export type EventKind = 'everyday' | 'guest' | 'ring' | 'swept' | 'flash';
export interface SimEvent {
  readonly at: number;
  readonly kind: EventKind;
  readonly actor: Actor;
}

/**
 * A generator of the scenario's claims in [from, to), in time order. Ring members and swept-in
 * consumers each claim once; everyday claims pick legit accounts at random.
 */
export class Traffic {
  private ringNext: number[];
  private sweptNext = 0;
  constructor(
    private readonly s: Scenario,
    private readonly r: Rng,
  ) {
    this.ringNext = s.rings.map(() => 0);
  }

  slice(from: number, to: number): SimEvent[] {
    const { s, r } = this;
    const scale = s.params.scale;
    const span = (to - from) / MIN;
    const out: SimEvent[] = [];
    const at = () => from + Math.floor(r() * (to - from));
    const level = from >= s.festivalDay ? s.shapes.festival : 1;
    const k = poisson(r, s.shapes.peakPerMinute * scale * level * dailyShape(from) * span);
    for (let i = 0; i < k; i++) out.push({ at: at(), kind: 'everyday', actor: s.legit[Math.floor(r() * s.legit.length)]! });
    // The guests of the recording claim with their real codes, evenly over the event's hour.
    s.guests.forEach((g, i) => {
      const t = s.eventAt + Math.floor((i * (s.eventEnd - s.eventAt)) / s.guests.length);
      if (t >= from && t < to) out.push({ at: t, kind: 'guest', actor: g });
    });
    if (from >= s.attackStart) {
      s.rings.forEach((members, ringIx) => {
        const want = poisson(r, (hasTrait(s.variant, 'slow-drip') ? s.shapes.slowDripPerMinute : s.shapes.ringPerMinute) * scale * span);
        for (let i = 0; i < want && this.ringNext[ringIx]! < members.length; i++) out.push({ at: at(), kind: 'ring', actor: members[this.ringNext[ringIx]!++]! });
      });
    }
    // The flash sale: every participant once, evenly over its window.
    s.flash.forEach((a, i) => {
      const t = s.flashStart + Math.floor((i * (s.flashEnd - s.flashStart)) / s.flash.length);
      if (t >= from && t < to) out.push({ at: t, kind: 'flash', actor: a });
    });
    if (from >= s.sweptStart) {
      const rate = Math.min(s.shapes.sweptCap, s.shapes.sweptGrowth * ((from - s.sweptStart) / MIN + 1)) * scale;
      const want = poisson(r, rate * span);
      for (let i = 0; i < want && this.sweptNext < s.sweptIn.length; i++) out.push({ at: at(), kind: 'swept', actor: s.sweptIn[this.sweptNext++]! });
    }
    return out.sort((a, b) => a.at - b.at);
  }
}
