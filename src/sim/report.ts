import { HOUR, type Label, type Variant } from './pdd-2019.js';
import type { DriverInfo } from './target.js';

/** Money and decisions for one kind of actor; every amount in fen. */
export interface Ledger {
  actors: number;
  /** Actors who made at least one claim. */
  claimants: number;
  attempts: number;
  attemptedFen: number;
  granted: number;
  grantedFen: number;
  denied: number;
  challenged: number;
  /** Claims answered `hold`: a coupon was issued, locked until an analyst reviews it. */
  held: number;
  /** Face value of those locked coupons (granted, not yet usable; not in `grantedFen`). */
  heldFen: number;
  /** Challenges answered (their CPU cost paid) and the grants that followed. */
  solved: number;
  /** Face value spent on orders: fulfilled + held + frozen + pending. */
  redeemedFen: number;
  fulfilledFen: number;
  orderHeldFen: number;
  frozenFen: number;
  pendingFen: number;
  /** Actors who had a claim denied or challenged at least once. */
  hurt: number;
  /** Reason codes on the final answers that were not grants, with counts. */
  reasons: Record<string, number>;
}

export const emptyLedger = (): Ledger => ({
  actors: 0, claimants: 0, attempts: 0, attemptedFen: 0, granted: 0, grantedFen: 0, denied: 0, challenged: 0, held: 0, heldFen: 0, solved: 0,
  redeemedFen: 0, fulfilledFen: 0, orderHeldFen: 0, frozenFen: 0, pendingFen: 0, hurt: 0, reasons: {},
});

export interface Target {
  readonly name: string;
  /** null: not measured in this run. */
  readonly met: boolean | null;
  readonly detail: string;
}

export interface ReplayReport {
  readonly scenario: 'pdd-2019';
  readonly variant: Variant;
  readonly config: 'locked' | 'loophole';
  readonly seed: number;
  readonly scale: number;
  /** In process on a virtual clock, or over HTTP against a running server in real time. */
  readonly driver: DriverInfo;
  readonly wallMs: number;
  readonly window: { from: string; attackStart: string; end: string };
  readonly detection: {
    firstAlertAt: string | null;
    firstAlertAfterMs: number | null;
    pausedAt: string | null;
    pauseAfterMs: number | null;
    /** Every pause in force at some tick from the attack's start on, any scope, and when it began. */
    pauses: { scope: string; at: string }[];
    alerts: { at: string; rule: string; scope: string; severity: string; title: string; action: string | null }[];
  };
  readonly ledgers: Record<Label, Ledger>;
  /** Grants of the special coupon type to anyone who did not present a valid platform code. */
  readonly specialGrantsWithoutValidCode: number;
  readonly legit: { claims: number; denied: number; challenged: number; falsePositiveRate: number; users: number; usersHurt: number; usersHurtShare: number };
  readonly classification: {
    measured: boolean;
    note: string;
    sweptIn: { total: number; asSweptIn: number; share: number; asRing: number } | null;
    ring: { total: number; asRing: number; share: number } | null;
  };
  /** The seed's own timeline, beside ours. */
  readonly seedTimeline: { attackStart: '01:00'; alarm: '09:00'; detectAfterMs: number; taken: string };
  /**
   * The seed's single total threshold (20 % above an expected festival day) fed this run's attempts
   * as if the hole were open and nothing scored claims; null: it did not fire within the window.
   */
  readonly seedOnThisTraffic: { thresholdFen: number; alarmAt: string | null; afterMs: number | null };
  /** Face value granted per minute per coupon type (fen), from `seriesFrom`, for charts. */
  readonly seriesFrom: string;
  /** The attack's start as a minute index into `series`. */
  readonly seriesAttackMinute: number;
  readonly series: Record<string, number[]>;
  readonly targets: Target[];
}

export const SEED_TIMELINE = { attackStart: '01:00', alarm: '09:00', detectAfterMs: 8 * HOUR, taken: 'tens of millions of yuan (real loss under ¥10 million after freezes)' } as const;

/** China time of day, for the summary. */
export const cst = (t: number): string => new Date(t + 8 * HOUR).toISOString().replace('T', ' ').slice(0, 19);
const yuan = (fen: number) => `¥${(fen / 100).toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
const secs = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(0)} s`);

const topReasons = (l: Ledger) =>
  Object.entries(l.reasons)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');

/** The terminal summary. */
export function summary(r: ReplayReport): string {
  const L = r.ledgers;
  const line = (label: string, l: Ledger) =>
    `  ${label.padEnd(9)} actors ${String(l.actors).padStart(6)}  attempts ${String(l.attempts).padStart(6)}  granted ${String(l.granted).padStart(6)} (${yuan(l.grantedFen)} of ${yuan(l.attemptedFen)})  denied ${l.denied}  challenged ${l.challenged}  held ${l.held} (${yuan(l.heldFen)} locked until review)  redeemed ${yuan(l.redeemedFen)}  fulfilled ${yuan(l.fulfilledFen)}  orders held ${yuan(l.orderHeldFen)}  frozen ${yuan(l.frozenFen)}`;
  const c = r.classification;
  return [
    `replay pdd-2019${r.variant === 'none' ? '' : ` --variant ${r.variant}`} [${r.config}] seed ${r.seed} scale ${r.scale} — ${(r.wallMs / 1000).toFixed(1)} s wall`,
    `  window ${r.window.from} → ${r.window.end} (China time), attack from ${r.window.attackStart}`,
    r.driver.kind === 'http'
      ? `  driven over HTTP: ${r.driver.url}, real time (scenario time shifted to now; worst lag behind schedule ${(r.driver.maxLagMs / 1000).toFixed(1)} s); ${r.driver.note}`
      : '  driven in process on a virtual clock',
    `  first alert ${secs(r.detection.firstAlertAfterMs)} after the attack${r.detection.firstAlertAt ? ` (${r.detection.firstAlertAt})` : ''}; auto-pause ${secs(r.detection.pauseAfterMs)}${r.detection.pausedAt ? ` (${r.detection.pausedAt})` : ''}`,
    `  pauses seen: ${r.detection.pauses.length ? r.detection.pauses.map((p) => `${p.scope} (${p.at})`).join(', ') : 'none'}`,
    `  the seed: alarm at ${r.seedTimeline.alarm}, ${secs(r.seedTimeline.detectAfterMs)} after 01:00; ${r.seedTimeline.taken}`,
    `  the seed's total threshold (${yuan(r.seedOnThisTraffic.thresholdFen)}/day) on this traffic: ${r.seedOnThisTraffic.alarmAt ? `${r.seedOnThisTraffic.alarmAt}, ${secs(r.seedOnThisTraffic.afterMs)} after the attack` : 'did not fire within the window'}`,
    line('ring', L.ring),
    line('swept-in', L.swept_in),
    line('legit', L.legit),
    ...(['ring', 'swept_in', 'legit'] as const).filter((k) => Object.keys(L[k].reasons).length).map((k) => `  ${k} not granted because: ${topReasons(L[k])}`),
    `  special type granted without a valid code: ${r.specialGrantsWithoutValidCode}`,
    `  legit false positives: ${r.legit.denied} denied + ${r.legit.challenged} challenged of ${r.legit.claims} claims = ${(r.legit.falsePositiveRate * 100).toFixed(2)} %; users hurt ${r.legit.usersHurt} of ${r.legit.users} (${(r.legit.usersHurtShare * 100).toFixed(2)} %)`,
    c.measured && c.sweptIn && c.ring
      ? `  classification: swept-in ${c.sweptIn.asSweptIn}/${c.sweptIn.total} (${(c.sweptIn.share * 100).toFixed(1)} %, ${c.sweptIn.asRing} as ring); ring ${c.ring.asRing}/${c.ring.total} (${(c.ring.share * 100).toFixed(1)} %) — ${c.note}`
      : `  classification: not measured — ${c.note}`,
    '  targets:',
    ...r.targets.map((t) => `    ${t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'} ${t.name}: ${t.detail}`),
  ].join('\n');
}
