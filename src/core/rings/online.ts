/**
 * Ring detection on recent links, run every few seconds, so the claim and order paths see rings
 * while an attack is still running rather than after an analyst's run.
 *
 * The analyst's run (`executeRingRun`) covers any window and is stored, audited and made current;
 * this one re-detects the last `windowMs` of claims, account events and orders with the same
 * detector and keeps only what the risk engine reads — members, their rings' scores, the strong
 * things and phone runs of flagged rings — in memory, next to the stored run (`combinedRingSignals`
 * ORs the two; it never replaces the analyst's current run). Each process that decides claims keeps
 * its own copy, built from the shared store.
 *
 * Cost: a run is a full detection of the window, so it is rationed: at most one every `everyMs` of
 * the clock's time, none when nothing new arrived, and never more than `maxBusyShare` of the
 * process's wall time (after a run of d ms, the next waits d × (1 ÷ share − 1) ms of wall time,
 * measured with the injected `elapsed`). On a virtual clock (the replay lab) the second ration is
 * the binding one: runs happen as often as the CPU budget allows, not every `everyMs`.
 */
import type { RingSignals } from '../../ports/rings.js';
import type { Store } from '../../ports/store.js';
import type { RingOptions } from './find-rings.js';
import { findRings } from './find-rings.js';
import { STRONG_KINDS } from './kinds.js';
import { inRun } from './phone-runs.js';
import { ringsFromFinding, type RingRunId } from './ring.js';
import { buildLinkGraph } from './use-cases.js';

export interface OnlineRingOptions {
  /** Shortest interval between runs. */
  readonly everyMs: number;
  /** How far back each run looks. */
  readonly windowMs: number;
  /** Longest share of wall time runs may take (the interval stretches to respect it). */
  readonly maxBusyShare: number;
  readonly detector?: Partial<RingOptions>;
}

export const ONLINE_RING_DEFAULTS: OnlineRingOptions = { everyMs: 30_000, windowMs: 2 * 3_600_000, maxBusyShare: 0.1 };

export interface OnlineRingState {
  readonly at: number;
  readonly rings: number;
  readonly members: number;
  readonly accounts: number;
  readonly ms: number;
}

const key = (kind: string, value: string) => `${kind}\u0000${value}`;

/**
 * What one online detection found, in the plain shape the lookups are built from (and that can
 * cross a thread boundary): members with their ring's score, strong things (`kind\0value`), and the
 * phone runs of flagged rings by 7-digit segment.
 */
export interface OnlineFinding {
  readonly members: readonly (readonly [accountId: string, score: number])[];
  readonly things: readonly string[];
  readonly runs: readonly (readonly [segment: string, values: readonly string[]])[];
  readonly rings: number;
  readonly accounts: number;
}

/** Detects rings over a window of the shared store: in this thread, or another (a worker with its own connection). */
export type OnlineDetect = (window: { readonly from: number; readonly to: number }, detector: Partial<RingOptions>) => Promise<OnlineFinding>;

/** The detection itself, here: link graph of the window, rings, and what the lookups need of them. */
export async function detectOnline(store: Pick<Store, 'claims' | 'accounts' | 'rings'>, window: { from: number; to: number }, detector: Partial<RingOptions> = {}): Promise<OnlineFinding> {
  const { lg } = await buildLinkGraph({ store: store as Store }, window);
  const records = ringsFromFinding(lg, findRings(lg, detector), 'rrun_online' as RingRunId);
  const members = new Map<string, number>();
  const things = new Set<string>();
  const runs = new Map<string, string[]>();
  for (const r of records) {
    for (const m of r.members) members.set(m.accountId, Math.max(members.get(m.accountId) ?? 0, r.ring.score));
    for (const t of r.things) {
      if (t.kind === 'phone_run') {
        const seg = t.value.slice(0, 7);
        runs.set(seg, [...(runs.get(seg) ?? []), t.value]);
      } else if (STRONG_KINDS.has(t.kind)) things.add(key(t.kind, t.value));
    }
  }
  return { members: [...members], things: [...things], runs: [...runs], rings: records.length, accounts: lg.graph.rows };
}

export class OnlineRings implements RingSignals {
  private members = new Map<string, number>();
  private things = new Set<string>();
  private runsBySegment = new Map<string, string[]>();
  private nextAt = -Infinity;
  private nextWall = -Infinity;
  private seenClaims = -1;
  private seenOrders = -1;
  private running: Promise<OnlineRingState | null> | null = null;
  /** The last run's summary (null before the first). */
  last: OnlineRingState | null = null;

  constructor(
    private readonly store: Pick<Store, 'claims' | 'accounts' | 'rings'>,
    private readonly opts: OnlineRingOptions = ONLINE_RING_DEFAULTS,
    /** Wall-clock milliseconds, for the cost ration (a virtual clock does not measure work). */
    private readonly elapsed: () => number = () => 0,
    /**
     * Where detection runs. Here by default; a server on a database file runs it on a worker
     * thread: a run over the 2-hour window is one synchronous computation (≈ 1 s at 50,000 claims)
     * that would otherwise stop every claim on the serving thread while it lasts.
     */
    private readonly detect: OnlineDetect = (w, d) => detectOnline(store, w, d),
  ) {}

  /** Runs a detection when one is due and something new arrived; runs never overlap. */
  maybeRefresh(now: number): Promise<OnlineRingState | null> {
    if (now < this.nextAt || this.elapsed() < this.nextWall) return Promise.resolve(null);
    this.running ??= this.refreshIfNew(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async refreshIfNew(now: number): Promise<OnlineRingState | null> {
    const range = { from: now - this.opts.windowMs, to: now + 1 };
    const [claims, orders] = await Promise.all([this.store.claims.countRange(range), this.store.rings.countOrders(range)]);
    if (claims === this.seenClaims && orders === this.seenOrders) {
      this.nextAt = now + this.opts.everyMs;
      return null;
    }
    this.seenClaims = claims;
    this.seenOrders = orders;
    return this.refresh(now);
  }

  /** One detection over the window ending at `now`; replaces what the lookups see. */
  async refresh(now: number): Promise<OnlineRingState> {
    const t0 = this.elapsed();
    const f = await this.detect({ from: now - this.opts.windowMs, to: now + 1 }, this.opts.detector ?? {});
    this.members = new Map(f.members);
    this.things = new Set(f.things);
    this.runsBySegment = new Map(f.runs.map(([seg, values]) => [seg, [...values]]));
    const t1 = this.elapsed();
    const ms = t1 - t0;
    this.nextAt = now + this.opts.everyMs;
    this.nextWall = t1 + ms * (1 / this.opts.maxBusyShare - 1);
    this.last = { at: now, rings: f.rings, members: this.members.size, accounts: f.accounts, ms };
    return this.last;
  }

  lookup(p: Parameters<RingSignals['lookup']>[0]): ReturnType<RingSignals['lookup']> {
    const score = this.members.get(p.accountId);
    const things = [
      ...(p.phone ? [key('phone', p.phone)] : []),
      ...(p.deviceId ? [key('device', p.deviceId)] : []),
      ...p.identityHashes.map((h) => key('identity', h)),
      ...(p.targets ?? []).map((t) => key('target', t)),
    ];
    const inPhoneRun = p.phone !== null && (this.runsBySegment.get(p.phone.slice(0, 7)) ?? []).some((r) => inRun(r, p.phone!));
    return Promise.resolve({ member: score !== undefined, score: score ?? 0, linked: inPhoneRun || things.some((t) => this.things.has(t)) });
  }
}

/** Both sources at once: a member or linked in either; the higher score. */
export function combinedRingSignals(a: RingSignals, b: RingSignals): RingSignals {
  return {
    lookup: async (p) => {
      const [x, y] = await Promise.all([a.lookup(p), b.lookup(p)]);
      return { member: x.member || y.member, score: Math.max(x.score, y.score), linked: x.linked || y.linked };
    },
  };
}
