/**
 * The replay driver, in process: builds the system through the one composition root with a
 * virtual clock, drives a scenario through the public use cases (claims, challenges, orders,
 * account events), ticks the monitor as virtual time passes, then asks ring detection to classify
 * the claimants, and scores everything against the ground-truth labels.
 */
import { ManualClock } from '../adapters/node/clock.js';
import { hmacCodeSigner } from '../adapters/node/crypto.js';
import { compose, type Composed } from '../app/compose.js';
import { loadConfig } from '../app/config.js';
import { couponTypeOf, type Campaign, type CampaignInput } from '../core/campaigns/campaign.js';
import { createCampaign } from '../core/campaigns/use-cases.js';
import { solveChallenge } from '../core/claims/challenge.js';
import { claimCoupon, type ClaimRequest } from '../core/claims/claim-coupon.js';
import type { ClaimResult } from '../core/claims/claim.js';
import { encodeClaimCode } from '../core/codes/claim-code.js';
import { Monitor } from '../core/monitor/monitor.js';
import { codeText, issueCodeBatch } from '../core/codes/use-cases.js';
import { recordAccountEvent } from '../core/accounts/use-cases.js';
import { actOnOrder, placeOrder, type PlaceOrderRequest } from '../core/orders/use-cases.js';
import { classifyCampaign, detectRings } from '../core/rings/use-cases.js';
import type { CampaignId, CodeId, OrderId } from '../core/shared/ids.js';
import type { Channel } from '../core/shared/channels.js';
import { D0, DAY, HOUR, MIN, dailyShape, hasTrait, pdd2019, SHAPES, Traffic, type Actor, type Label, type ScenarioParams, type SimEvent, type Variant } from './pdd-2019.js';
import { seeded, pick, type Rng } from './random.js';
import { cst, emptyLedger, SEED_TIMELINE, type Ledger, type ReplayReport, type Target } from './report.js';

export type ReplayConfig = 'locked' | 'loophole';
export const SPECIAL_TYPE = 'tv-guest-100';
export const FLASH_TYPE = 'flash-sale-30';
const FLASH_FEN = 3_000;
const ACTOR = 'replay-lab';

export interface ReplayOptions extends ScenarioParams {
  readonly config: ReplayConfig;
  /** Virtual time done and total (ms), for a progress display. */
  readonly onProgress?: (done: number, total: number) => void;
}

interface World {
  s: Composed;
  clock: ManualClock;
  r: Rng;
  normal: Campaign[];
  special: Campaign;
  loophole: Campaign | null;
  flash: Campaign | null;
  forgedCode: () => string;
  ledgers: Record<Label, Ledger>;
  claimed: Map<string, boolean>;
  hurt: Set<string>;
  orders: { id: OrderId; label: Label; discountFen: number }[];
  series: Map<string, number[]>;
  seriesFrom: number;
  withoutValidCode: number;
  key: number;
  variant: Variant;
  targets: readonly (readonly string[])[];
  /** The seed's own alarm fed the same attempts, with the hole open and no risk engine (every attempt a grant). */
  seed: Monitor;
  seedFrom: number;
}

async function campaign(s: Composed, at: number, over: Partial<CampaignInput>): Promise<Campaign> {
  const r = await createCampaign(
    s.deps,
    {
      name: 'c',
      template: { discount: { kind: 'threshold', thresholdFen: 100_000, amountFen: 15_000 } },
      special: false,
      channels: ['app', 'web', 'mini_program'],
      requireCode: false,
      requireVerifiedIdentity: false,
      startsAt: at,
      endsAt: at + 10 * DAY,
      budget: { count: 10_000_000, moneyFen: 10_000_000 * 20_000 },
      limits: { perIdentity: 1_000, perAccount: 1_000 },
      restoreOnCancel: true,
      state: 'active',
      ...over,
    },
    ACTOR,
  );
  if (!r.ok) throw new Error(`replay setup: ${r.error.message}`);
  return r.value;
}

const accountOf = (a: Actor): ClaimRequest['account'] => ({
  id: a.id,
  createdAt: a.createdAt,
  phone: a.phone,
  deviceId: a.deviceId,
  ip: a.ip,
  identity: { number: a.identity, verified: true },
});

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(`replay: ${r.error.message}`);
  return r.value;
}

/** One claim attempt by an actor, answering a challenge if the actor would. */
async function attempt(w: World, a: Actor, c: Campaign, channel: Channel, code: string | undefined, faceFen: number, solves: boolean): Promise<ClaimResult> {
  const l = w.ledgers[a.label];
  const req: ClaimRequest = { campaignId: c.id, channel, account: accountOf(a), ...(code ? { code } : {}) };
  let res = must(await claimCoupon(w.s.deps, req, { scope: 'replay', idempotencyKey: `k${w.key++}` }));
  l.attempts++;
  l.attemptedFen += faceFen;
  if (!w.claimed.has(a.id)) {
    w.claimed.set(a.id, true);
    l.claimants++;
  }
  if (res.decision === 'challenge' || res.decision === 'deny') w.hurt.add(a.id);
  if (res.decision === 'challenge') {
    l.challenged++;
    if (solves && res.challenge) {
      l.solved++;
      const solution = solveChallenge(w.s.deps.sha256, res.challenge.id, res.challenge.difficulty);
      res = must(await claimCoupon(w.s.deps, { ...req, challenge: { id: res.challenge.id, solution } }, { scope: 'replay', idempotencyKey: `k${w.key++}` }));
    }
  }
  if (w.clock.now() >= w.seedFrom)
    w.seed.ingestClaim({ at: w.clock.now(), campaignId: c.id, channel, decision: 'allow', faceValueFen: faceFen, accountId: a.id, deviceId: a.deviceId, ip: a.ip, phone: a.phone, codeId: null }, c);
  if (res.decision !== 'allow') for (const x of res.reasons) l.reasons[x.code] = (l.reasons[x.code] ?? 0) + 1;
  if (res.decision === 'deny') l.denied++;
  if (res.decision === 'hold') l.held++;
  if (res.decision === 'allow' && res.couponId) {
    l.granted++;
    l.grantedFen += faceFen;
    const type = couponTypeOf(c);
    if (type === SPECIAL_TYPE && !(a.guest && code && c.id === w.special.id && channel === 'offline_event')) w.withoutValidCode++;
    const minute = Math.floor((w.clock.now() - w.seriesFrom) / MIN);
    if (minute >= 0) {
      let row = w.series.get(type);
      if (!row) w.series.set(type, (row = []));
      while (row.length <= minute) row.push(0);
      row[minute]! += faceFen;
    }
  }
  return res;
}

async function order(w: World, a: Actor, couponId: string, items: PlaceOrderRequest['items']): Promise<void> {
  const o = must(await placeOrder(w.s.deps, { accountId: a.id, couponIds: [couponId], items, deviceId: a.deviceId, ip: a.ip }, { scope: 'replay', idempotencyKey: `o${w.key++}` }));
  w.orders.push({ id: o.orderId, label: a.label, discountFen: o.discountFen });
  // The shop fulfils at once whatever the risk engine lets through (virtual goods within seconds).
  if (o.status === 'placed') must(await actOnOrder(w.s.deps, o.orderId, 'fulfil', 'shop', false));
}

async function handle(w: World, e: SimEvent, config: ReplayConfig, registered: Set<string>): Promise<void> {
  const a = e.actor;
  if (e.kind === 'flash') {
    const res = await attempt(w, a, w.flash!, pick(w.r, ['app', 'mini_program'] as const), undefined, FLASH_FEN, true);
    if (res.decision === 'allow' && res.couponId && w.r() < SHAPES.redeemShare)
      await order(w, a, res.couponId, [{ sku: `flash-${Math.floor(w.r() * 5)}`, category: 'physical', unitPriceFen: 29_900, quantity: 1 }]);
    return;
  }
  if (e.kind === 'everyday') {
    const c = pick(w.r, w.normal);
    const res = await attempt(w, a, c, pick(w.r, ['app', 'web', 'mini_program'] as const), undefined, 15_000, true);
    if (res.decision === 'allow' && res.couponId && w.r() < SHAPES.redeemShare)
      await order(w, a, res.couponId, [{ sku: `goods-${Math.floor(w.r() * 50)}`, category: 'physical', unitPriceFen: 120_000, quantity: 1 }]);
    return;
  }
  // Ring accounts are registered just before they claim (fresh accounts from the farm).
  if (e.kind === 'ring' && !registered.has(a.id)) {
    registered.add(a.id);
    must(await recordAccountEvent(w.s.deps, { type: 'registration', accountId: a.id, at: a.createdAt, phone: a.phone, deviceId: a.deviceId, ip: a.ip }));
    // Camouflage: ordinary purchases of popular products, spread between registration and the claim.
    if (hasTrait(w.variant, 'camouflage'))
      for (let i = 0; i < SHAPES.camouflagePurchases; i++) {
        const at = a.createdAt + Math.floor(((i + 1) * (w.clock.now() - HOUR - a.createdAt)) / (SHAPES.camouflagePurchases + 1));
        must(await recordAccountEvent(w.s.deps, { type: 'purchase', accountId: a.id, at, deviceId: a.deviceId, ip: a.ip, amountFen: 5_900 + Math.floor(w.r() * 20_000) }));
      }
  }
  const locked = config === 'locked';
  const c = locked ? w.special : w.loophole!;
  const channel: Channel = locked ? 'offline_event' : 'app';
  const code = locked ? w.forgedCode() : undefined;
  const solves = e.kind === 'swept' || w.r() < SHAPES.ringSolves;
  const res = await attempt(w, a, c, channel, code, 10_000, solves);
  if (res.decision !== 'allow' || !res.couponId) return;
  if (e.kind === 'ring') {
    const t = pick(w.r, w.targets[a.ring ?? 0]!);
    const game = t.startsWith('game-');
    await order(w, a, res.couponId, [
      { sku: game ? 'qcoin-100' : 'topup-100', category: game ? 'game_currency' : 'virtual_topup', unitPriceFen: 10_000, quantity: 1, topupTarget: { kind: game ? 'game_account' : 'phone', value: t } },
    ]);
  } else {
    await order(w, a, res.couponId, [{ sku: `goods-${Math.floor(w.r() * 50)}`, category: 'physical', unitPriceFen: 20_000, quantity: 1 }]);
  }
}

/** Runs pdd-2019 in one configuration and scores it. */
export async function replayPdd2019(o: ReplayOptions): Promise<ReplayReport> {
  const wall = performance.now();
  const sc = pdd2019(o);
  const setupAt = D0 - DAY;
  const clock = new ManualClock(setupAt);
  const s = compose(loadConfig({}, { dbPath: ':memory:', synchronous: 'NORMAL' }), { clock, monitor: { tickMs: 0, log: () => {} } });
  try {
    await s.risk?.ready;
    const normal: Campaign[] = [];
    for (let i = 0; i < 8; i++) normal.push(await campaign(s, setupAt, { name: `festival ${i}`, couponType: `festival-${i % 4}` }));
    const special = await campaign(s, setupAt, {
      name: 'TV guests ¥100',
      couponType: SPECIAL_TYPE,
      special: true,
      requireCode: true,
      requireVerifiedIdentity: true,
      channels: ['offline_event'],
      template: { discount: { kind: 'fixed', amountFen: 10_000 } },
      limits: { perIdentity: 1, perAccount: 1 },
      // The operator announces the event: its guests claim within the hour of the recording.
      monitor: { expectedSurges: [{ startsAt: sc.eventAt, endsAt: sc.eventAt + HOUR, grantsPerMinute: Math.ceil(sc.guests.length / 60) }] },
    });
    // The seed's mistake: the same coupon type left claimable online as an ordinary campaign.
    const loophole =
      o.config === 'loophole'
        ? await campaign(s, setupAt, { name: 'TV guests ¥100 (online entry)', couponType: SPECIAL_TYPE, template: { discount: { kind: 'fixed', amountFen: 10_000 } }, limits: { perIdentity: 1, perAccount: 1 } })
        : null;
    // flash-sale: a ¥30 no-threshold coupon on a few popular products, announced at its start time.
    const flash =
      sc.variant === 'flash-sale'
        ? await campaign(s, setupAt, {
            name: 'flash sale ¥30',
            couponType: FLASH_TYPE,
            channels: ['app', 'mini_program'],
            template: { discount: { kind: 'fixed', amountFen: FLASH_FEN } },
            limits: { perIdentity: 1, perAccount: 1 },
            monitor: { expectedSurges: [{ startsAt: sc.flashStart, endsAt: sc.flashEnd, grantsPerMinute: Math.ceil(sc.flash.length / SHAPES.flashMinutes) }] },
          })
        : null;
    const batch = must(await issueCodeBatch(s.deps, { campaignId: special.id, event: 'TV recording', count: sc.guests.length, useLimit: 1, expiresAt: sc.end }, ACTOR));
    const issued = (await s.deps.store.codes.listCodes(batch.id, { limit: sc.guests.length })).items;
    const forger = hmacCodeSigner({ [s.deps.signer.keyId]: 'the-rings-guess' }, s.deps.signer.keyId);
    // Well-formed codes for the real campaign and batch, signed with a key the rings do not have.
    const forgedCode = () =>
      encodeClaimCode(
        { keyId: s.deps.signer.keyId, campaignId: special.id, batchId: batch.id, codeId: s.deps.ids.next<CodeId>('code'), useLimit: 1, expiresAt: batch.expiresAt, nonce: s.deps.ids.random(12) },
        forger,
      );
    // History: everyone ordinary registered long ago and has bought things before.
    for (const a of [...sc.legit, ...sc.sweptIn]) {
      must(await recordAccountEvent(s.deps, { type: 'registration', accountId: a.id, at: a.createdAt, phone: a.phone, deviceId: a.deviceId, ip: a.ip, identity: { number: a.identity, verified: true } }));
      must(await recordAccountEvent(s.deps, { type: 'purchase', accountId: a.id, at: a.createdAt + 7 * DAY, deviceId: a.deviceId, ip: a.ip, amountFen: 8_800 }));
    }
    const ledgers: Record<Label, Ledger> = { legit: emptyLedger(), ring: emptyLedger(), swept_in: emptyLedger() };
    ledgers.legit.actors = sc.legit.length;
    ledgers.ring.actors = sc.rings.flat().length;
    ledgers.swept_in.actors = sc.sweptIn.length;
    // The seed's threshold: 20 % above the everyday face value expected on a festival day.
    let expectedDay = 0;
    for (let h = 0; h < 24; h++) expectedDay += dailyShape(sc.festivalDay + h * HOUR) * 60 * SHAPES.peakPerMinute * o.scale * SHAPES.festival * 15_000;
    const seedThreshold = Math.round(1.2 * expectedDay);
    const w: World = {
      s, clock, r: seeded(o.seed ^ 0x5eed), normal, special, loophole, flash, forgedCode, ledgers, variant: sc.variant,
      claimed: new Map(), hurt: new Set(), orders: [], series: new Map(), seriesFrom: sc.attackStart - 30 * MIN, withoutValidCode: 0, key: 0, targets: sc.targets, seed: new Monitor({ totalThresholdFen: seedThreshold }), seedFrom: sc.festivalDay,
    };

    const allCampaigns = new Map([...normal, special, ...(loophole ? [loophole] : []), ...(flash ? [flash] : [])].map((c) => [c.id as string, c]));
    let seedAlarm: number | null = null;
    const traffic = new Traffic(sc, seeded(o.seed));
    const registered = new Set<string>();
    const guestCodes = new Map(sc.guests.map((g, i) => [g.id, codeText(s.deps, issued[i]!)]));
    let firstAlert: { at: number; tickAt: number } | null = null;
    let paused: number | null = null;
    // Every pause seen from the attack's start on (any scope), the first time it was seen.
    const pausesSeen = new Map<string, number>();
    const total = sc.end - D0;
    for (let t = D0; t < sc.end; ) {
      // Ten-second slices on the festival day (the monitor looks every second in production), a minute before.
      const step = t >= sc.festivalDay ? 10_000 : MIN;
      for (const e of traffic.slice(t, t + step)) {
        clock.set(e.at);
        if (e.kind === 'guest') await attempt(w, e.actor, special, 'offline_event', guestCodes.get(e.actor.id), 10_000, true);
        else await handle(w, e, o.config, registered);
      }
      t += step;
      clock.set(t - 1);
      await s.monitor.tick();
      if (t > sc.attackStart)
        for (const p of await s.deps.store.monitoring.activePauses()) {
          const k = `${p.kind}:${p.value}`;
          if (!pausesSeen.has(k)) pausesSeen.set(k, p.pausedAt);
        }
      if (t > sc.attackStart && (firstAlert === null || paused === null)) {
        const scopes = new Set([SPECIAL_TYPE, special.id, loophole?.id, FLASH_TYPE, flash?.id]);
        const alerts = (await s.deps.store.monitoring.listAlerts({ limit: 200 })).items.filter((a) => scopes.has(a.scopeValue) && a.lastAt >= sc.attackStart);
        if (firstAlert === null && alerts.length > 0) firstAlert = { at: Math.min(...alerts.map((a) => Math.max(a.firstAt, sc.attackStart))), tickAt: t - 1 };
        const p = (await s.deps.store.monitoring.activePauses()).find((x) => x.kind === 'type' && x.value === SPECIAL_TYPE);
        if (p && paused === null) paused = p.pausedAt;
      }
      if (seedAlarm === null && t > sc.festivalDay && t % MIN === 0 && w.seed.evaluate(t - 1, allCampaigns, new Map()).some((f) => f.rule === 'total-threshold')) seedAlarm = t - 1;
      o.onProgress?.(t - D0, total);
    }

    // Orders as they stand now (another process may have frozen or released some).
    for (const x of w.orders) {
      const cur = await s.deps.store.orders.get(x.id);
      const l = ledgers[x.label];
      l.redeemedFen += x.discountFen;
      const st = cur?.status ?? 'placed';
      if (st === 'fulfilled') l.fulfilledFen += x.discountFen;
      else if (st === 'held') l.orderHeldFen += x.discountFen;
      else if (st === 'frozen') l.frozenFen += x.discountFen;
      else l.pendingFen += x.discountFen;
    }
    for (const id of w.hurt) {
      const label: Label = id.startsWith('R') ? 'ring' : id.startsWith('S') ? 'swept_in' : 'legit';
      ledgers[label].hurt++;
    }

    const classification = await classify(s, sc.festivalDay - DAY, sc.end, (loophole ?? special).id, sc);
    const allAlerts = (await s.deps.store.monitoring.listAlerts({ limit: 200 })).items.filter((a) => a.lastAt >= sc.attackStart - 30 * MIN);
    const L = ledgers.legit;
    const legit = {
      claims: L.attempts,
      denied: L.denied,
      challenged: L.challenged,
      falsePositiveRate: L.attempts ? (L.denied + L.challenged) / L.attempts : 0,
      users: L.claimants,
      usersHurt: L.hurt,
      usersHurtShare: L.claimants ? L.hurt / L.claimants : 0,
    };
    const firstAlertAfterMs = firstAlert ? firstAlert.tickAt - sc.attackStart : null;
    const pauseAfterMs = paused !== null ? paused - sc.attackStart : null;
    const report: Omit<ReplayReport, 'targets'> = {
      scenario: 'pdd-2019',
      variant: sc.variant,
      config: o.config,
      seed: o.seed,
      scale: o.scale,
      wallMs: Math.round(performance.now() - wall),
      window: { from: cst(D0), attackStart: cst(sc.attackStart), end: cst(sc.end) },
      detection: {
        firstAlertAt: firstAlert ? cst(firstAlert.tickAt) : null,
        firstAlertAfterMs,
        pausedAt: paused !== null ? cst(paused) : null,
        pauseAfterMs,
        pauses: [...pausesSeen].map(([scope, at]) => ({ scope, at: cst(at) })),
        alerts: allAlerts.map((a) => ({ at: cst(a.firstAt), rule: a.rule, scope: `${a.scopeKind}:${a.scopeValue}`, severity: a.severity, title: a.title, action: a.action })),
      },
      ledgers,
      specialGrantsWithoutValidCode: w.withoutValidCode,
      legit,
      classification,
      seedTimeline: SEED_TIMELINE,
      seedOnThisTraffic: {
        thresholdFen: seedThreshold,
        alarmAt: seedAlarm === null ? null : cst(seedAlarm),
        afterMs: seedAlarm === null ? null : seedAlarm - sc.attackStart,
      },
      seriesFrom: cst(w.seriesFrom),
      seriesAttackMinute: (sc.attackStart - w.seriesFrom) / MIN,
      series: Object.fromEntries(w.series),
    };
    return { ...report, targets: targetsOf(report) };
  } finally {
    await s.close();
  }
}

async function classify(s: Composed, from: number, to: number, campaignId: CampaignId, sc: ReturnType<typeof pdd2019>): Promise<ReplayReport['classification']> {
  try {
    const run = await detectRings(s.deps, { from, to }, ACTOR);
    if (!run.ok) return { measured: false, note: `ring detection refused: ${run.error.message}`, sweptIn: null, ring: null };
    const c = await classifyCampaign(s.deps, campaignId);
    if (!c.ok) return { measured: false, note: `classification refused: ${c.error.message}`, sweptIn: null, ring: null };
    const classOf = new Map(c.value.items.map((i) => [i.accountId as string, i.class]));
    const swept = sc.sweptIn.filter((a) => classOf.has(a.id));
    const ring = sc.rings.flat().filter((a) => classOf.has(a.id));
    const asRing = (id: string) => classOf.get(id) === 'ring_member' || classOf.get(id) === 'ring_linked';
    const sweptAs = swept.filter((a) => classOf.get(a.id) === 'swept_in').length;
    const ringAs = ring.filter((a) => asRing(a.id)).length;
    return {
      measured: true,
      note: `detection run ${run.value.id}: ${run.value.stats?.rings ?? 0} rings, ${run.value.stats?.ringAccounts ?? 0} accounts; claimants of ${campaignId}`,
      sweptIn: { total: swept.length, asSweptIn: sweptAs, share: swept.length ? sweptAs / swept.length : 0, asRing: swept.filter((a) => asRing(a.id)).length },
      ring: { total: ring.length, asRing: ringAs, share: ring.length ? ringAs / ring.length : 0 },
    };
  } catch (e) {
    return { measured: false, note: `ring detection failed: ${e instanceof Error ? e.message : String(e)}`, sweptIn: null, ring: null };
  }
}

const within = (ms: number | null, limit: number) => ms !== null && ms <= limit;

function targetsOf(r: Omit<ReplayReport, 'targets'>): Target[] {
  const ring = r.ledgers.ring;
  if (r.config === 'locked')
    return [
      {
        name: 'zero grants to rings or to anyone without a valid platform code',
        met: ring.granted === 0 && r.specialGrantsWithoutValidCode === 0,
        detail: `${ring.granted} ring grants, ${r.specialGrantsWithoutValidCode} special-type grants without a valid code`,
      },
    ];
  const share = ring.attemptedFen ? ring.grantedFen / ring.attemptedFen : 0;
  const c = r.classification;
  if (r.variant === 'flash-sale')
    return [
      { name: 'the flash sale causes no pause', met: r.detection.pauses.length === 0, detail: r.detection.pauses.length ? r.detection.pauses.map((p) => `${p.scope} at ${p.at}`).join(', ') : 'no pause' },
      { name: 'legit false-positive rate ≤ 0.5 %', met: r.legit.falsePositiveRate <= 0.005, detail: `${(r.legit.falsePositiveRate * 100).toFixed(2)} %` },
    ];
  return [
    { name: 'first alert within 60 s of the attack', met: within(r.detection.firstAlertAfterMs, 60_000), detail: r.detection.firstAlertAfterMs === null ? 'no alert' : `${r.detection.firstAlertAfterMs / 1000} s` },
    { name: 'auto-pause within 60 s of the attack', met: within(r.detection.pauseAfterMs, 60_000), detail: r.detection.pauseAfterMs === null ? 'no pause' : `${r.detection.pauseAfterMs / 1000} s` },
    { name: 'ring face value granted ≤ 2 % of attempted', met: share <= 0.02, detail: `${(share * 100).toFixed(2)} % (${ring.grantedFen / 100} of ${ring.attemptedFen / 100} yuan)` },
    { name: 'legit false-positive rate ≤ 0.5 %', met: r.legit.falsePositiveRate <= 0.005, detail: `${(r.legit.falsePositiveRate * 100).toFixed(2)} %` },
    {
      name: '≥ 95 % of swept-in consumers classified as such',
      met: c.measured && c.sweptIn && c.sweptIn.total > 0 ? c.sweptIn.share >= 0.95 : null,
      detail: c.measured && c.sweptIn ? `${c.sweptIn.asSweptIn}/${c.sweptIn.total}` : c.note,
    },
  ];
}
