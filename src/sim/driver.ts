/**
 * The replay driver: drives a scenario through a `LabTarget` (in process on a virtual clock, or a
 * running server over HTTP in real time) with the public operations only (claims, challenges,
 * orders, fulfilment, account events), watches alerts and pauses as time passes, then asks ring
 * detection to classify the claimants, and scores everything against the ground-truth labels,
 * which never leave the lab.
 */
import { systemClock } from '../adapters/node/clock.js';
import { hmacCodeSigner, sha256 } from '../adapters/node/crypto.js';
import { ulidGenerator } from '../adapters/node/ids.js';
import type { CampaignInput } from '../core/campaigns/campaign.js';
import { solveChallenge } from '../core/claims/challenge.js';
import type { ClaimRequest } from '../core/claims/claim-coupon.js';
import type { ClaimResult } from '../core/claims/claim.js';
import { encodeClaimCode } from '../core/codes/claim-code.js';
import { Monitor } from '../core/monitor/monitor.js';
import type { PlaceOrderRequest } from '../core/orders/use-cases.js';
import type { Campaign } from '../core/campaigns/campaign.js';
import type { BatchId, CampaignId, CodeId } from '../core/shared/ids.js';
import type { Channel } from '../core/shared/channels.js';
import { D0, DAY, HOUR, MIN, dailyShape, hasTrait, pdd2019, Traffic, type Actor, type Label, type Scenario, type ScenarioParams, type SimEvent, type Variant } from './pdd-2019.js';
import { seeded, pick, type Rng } from './random.js';
import { cst, emptyLedger, SEED_TIMELINE, type Ledger, type ReplayReport, type Target } from './report.js';
import { inProcessTarget } from './in-process.js';
import type { LabCampaign, LabTarget } from './target.js';

export type ReplayConfig = 'locked' | 'loophole';
export const SPECIAL_TYPE = 'tv-guest-100';
export const FLASH_TYPE = 'flash-sale-30';
const FLASH_FEN = 3_000;

export interface ReplayOptions extends ScenarioParams {
  readonly config: ReplayConfig;
  /** Scenario time done and total (ms), for a progress display. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * The system under test, built for the scenario (default: a fresh in-process system on a virtual
   * clock from the scenario's start).
   */
  readonly target?: (sc: Scenario) => Promise<LabTarget>;
  /**
   * Prefix for account ids, device ids and coupon types, so that runs against one long-lived
   * server do not meet each other's accounts or pauses (default: none).
   */
  readonly tag?: string;
}

interface World {
  t: LabTarget;
  now: number;
  r: Rng;
  tag: string;
  types: { special: string; flash: string };
  normal: LabCampaign[];
  special: LabCampaign;
  loophole: LabCampaign | null;
  flash: LabCampaign | null;
  forgedCode: () => string;
  ledgers: Record<Label, Ledger>;
  claimed: Set<string>;
  hurt: Map<string, Label>;
  orders: { id: string; label: Label; discountFen: number }[];
  series: Map<string, number[]>;
  seriesFrom: number;
  withoutValidCode: number;
  key: number;
  runKey: string;
  variant: Variant;
  redeemShare: number;
  ringSolves: number;
  camouflagePurchases: number;
  targets: readonly (readonly string[])[];
  /** The seed's own alarm fed the same attempts, with the hole open and no risk engine (every attempt a grant). */
  seed: Monitor;
  seedFrom: number;
  /** Campaigns as the seed's monitor sees them (ids and types only matter to it). */
  seedCampaigns: Map<string, Campaign>;
}

function campaignInput(at: number, over: Partial<CampaignInput>): CampaignInput {
  return {
    name: 'c',
    template: { discount: { kind: 'threshold', thresholdFen: 100_000, amountFen: 15_000 } },
    special: false,
    channels: ['app', 'web', 'mini_program'],
    requireCode: false,
    requireVerifiedIdentity: false,
    startsAt: at,
    endsAt: at + 10 * DAY,
    // Within what the API accepts (moneyFen ≤ ¥100 million), so that both targets take the same campaigns.
    budget: { count: 10_000_000, moneyFen: 10_000_000_000 },
    limits: { perIdentity: 1_000, perAccount: 1_000 },
    restoreOnCancel: true,
    state: 'active',
    ...over,
  };
}

const idOf = (w: World, a: Actor) => `${w.tag}${a.id}`;
const deviceOf = (w: World, a: Actor) => `${w.tag}${a.deviceId}`;

const accountOf = (w: World, a: Actor): ClaimRequest['account'] => ({
  id: idOf(w, a),
  createdAt: a.createdAt,
  phone: a.phone,
  deviceId: deviceOf(w, a),
  ip: a.ip,
  identity: { number: a.identity, verified: true },
});

/** A stand-in campaign for the seed's own monitor (which needs only id, type and a few flags). */
const seedView = (c: LabCampaign, input: CampaignInput): Campaign => ({
  ...input,
  id: c.id as CampaignId,
  couponType: c.couponType,
  state: input.state ?? 'draft',
  createdAt: input.startsAt,
  updatedAt: input.startsAt,
});

/** One claim attempt by an actor, answering a challenge if the actor would. */
async function attempt(w: World, a: Actor, c: LabCampaign, channel: Channel, code: string | undefined, faceFen: number, solves: boolean): Promise<ClaimResult> {
  const l = w.ledgers[a.label];
  const req: ClaimRequest = { campaignId: c.id as CampaignId, channel, account: accountOf(w, a), ...(code ? { code } : {}) };
  let res = await w.t.claim(req, `${w.runKey}k${w.key++}`);
  l.attempts++;
  l.attemptedFen += faceFen;
  if (!w.claimed.has(a.id)) {
    w.claimed.add(a.id);
    l.claimants++;
  }
  if (res.decision === 'challenge' || res.decision === 'deny') w.hurt.set(a.id, a.label);
  if (res.decision === 'challenge') {
    l.challenged++;
    if (solves && res.challenge) {
      l.solved++;
      const solution = solveChallenge(sha256, res.challenge.id, res.challenge.difficulty);
      res = await w.t.claim({ ...req, challenge: { id: res.challenge.id, solution } }, `${w.runKey}k${w.key++}`);
    }
  }
  if (w.now >= w.seedFrom)
    w.seed.ingestClaim({ at: w.now, campaignId: c.id as CampaignId, channel, decision: 'allow', faceValueFen: faceFen, accountId: a.id, deviceId: a.deviceId, ip: a.ip, phone: a.phone, codeId: null }, w.seedCampaigns.get(c.id)!);
  if (res.decision !== 'allow') for (const x of res.reasons) l.reasons[x.code] = (l.reasons[x.code] ?? 0) + 1;
  if (res.decision === 'deny') l.denied++;
  if (res.decision === 'hold') l.held++;
  if (res.decision === 'allow' && res.couponId) {
    l.granted++;
    l.grantedFen += faceFen;
  }
  // A hold issues the coupon too, locked until review: it counts as granted to whoever holds it.
  if (res.decision === 'hold' && res.couponId) l.heldFen += faceFen;
  if ((res.decision === 'allow' || res.decision === 'hold') && res.couponId) {
    const type = c.couponType;
    if (type === w.types.special && !(a.guest && code && c.id === w.special.id && channel === 'offline_event')) w.withoutValidCode++;
    const minute = Math.floor((w.now - w.seriesFrom) / MIN);
    if (minute >= 0) {
      const label = type.startsWith(w.tag) ? type.slice(w.tag.length) : type;
      let row = w.series.get(label);
      if (!row) w.series.set(label, (row = []));
      while (row.length <= minute) row.push(0);
      row[minute]! += faceFen;
    }
  }
  return res;
}

async function order(w: World, a: Actor, couponId: string, items: PlaceOrderRequest['items']): Promise<void> {
  const o = await w.t.placeOrder({ accountId: idOf(w, a), couponIds: [couponId], items, deviceId: deviceOf(w, a), ip: a.ip }, `${w.runKey}o${w.key++}`);
  w.orders.push({ id: o.orderId, label: a.label, discountFen: o.discountFen });
  // The shop fulfils at once whatever the risk engine lets through (virtual goods within seconds).
  if (o.status === 'placed') await w.t.fulfil(o.orderId);
}

async function handle(w: World, e: SimEvent, config: ReplayConfig, registered: Set<string>): Promise<void> {
  const a = e.actor;
  if (e.kind === 'flash') {
    const res = await attempt(w, a, w.flash!, pick(w.r, ['app', 'mini_program'] as const), undefined, FLASH_FEN, true);
    if (res.decision === 'allow' && res.couponId && w.r() < w.redeemShare)
      await order(w, a, res.couponId, [{ sku: `flash-${Math.floor(w.r() * 5)}`, category: 'physical', unitPriceFen: 29_900, quantity: 1 }]);
    return;
  }
  if (e.kind === 'everyday') {
    const c = pick(w.r, w.normal);
    const res = await attempt(w, a, c, pick(w.r, ['app', 'web', 'mini_program'] as const), undefined, 15_000, true);
    if (res.decision === 'allow' && res.couponId && w.r() < w.redeemShare)
      await order(w, a, res.couponId, [{ sku: `goods-${Math.floor(w.r() * 50)}`, category: 'physical', unitPriceFen: 120_000, quantity: 1 }]);
    return;
  }
  // Ring accounts are registered just before they claim (fresh accounts from the farm).
  if (e.kind === 'ring' && !registered.has(a.id)) {
    registered.add(a.id);
    await w.t.accountEvent({ type: 'registration', accountId: idOf(w, a), at: a.createdAt, phone: a.phone, deviceId: deviceOf(w, a), ip: a.ip });
    // Camouflage: ordinary purchases of popular products, spread between registration and the claim.
    if (hasTrait(w.variant, 'camouflage'))
      for (let i = 0; i < w.camouflagePurchases; i++) {
        const at = a.createdAt + Math.floor(((i + 1) * (w.now - HOUR - a.createdAt)) / (w.camouflagePurchases + 1));
        await w.t.accountEvent({ type: 'purchase', accountId: idOf(w, a), at, deviceId: deviceOf(w, a), ip: a.ip, amountFen: 5_900 + Math.floor(w.r() * 20_000) });
      }
  }
  const locked = config === 'locked';
  const c = locked ? w.special : w.loophole!;
  const channel: Channel = locked ? 'offline_event' : 'app';
  const code = locked ? w.forgedCode() : undefined;
  const solves = e.kind === 'swept' || w.r() < w.ringSolves;
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

/** Runs pdd-2019 in one configuration against a target (in process by default) and scores it. */
export async function replayPdd2019(o: ReplayOptions): Promise<ReplayReport> {
  const wall = performance.now();
  const sc = pdd2019(o);
  const target = await (o.target ?? (() => inProcessTarget(D0 - DAY)))(sc);
  try {
    return await run(o, sc, target, wall);
  } finally {
    await target.close();
  }
}

async function run(o: ReplayOptions, sc: Scenario, target: LabTarget, wall: number): Promise<ReplayReport> {
  const tag = o.tag ?? '';
  const types = { special: `${tag}${SPECIAL_TYPE}`, flash: `${tag}${FLASH_TYPE}` };
  const start = Math.max(D0, target.from);
  const setupAt = D0 - DAY;
  // History: everyone ordinary registered long ago and has bought things before.
  const history = [...sc.legit, ...sc.sweptIn].flatMap((a) => [
    { type: 'registration' as const, accountId: `${tag}${a.id}`, at: a.createdAt, phone: a.phone, deviceId: `${tag}${a.deviceId}`, ip: a.ip, identity: { number: a.identity, verified: true } },
    { type: 'purchase' as const, accountId: `${tag}${a.id}`, at: a.createdAt + 7 * DAY, deviceId: `${tag}${a.deviceId}`, ip: a.ip, amountFen: 8_800 },
  ]);
  await target.accountEvents(history);
  await target.begin();
  const seedCampaigns = new Map<string, Campaign>();
  const make = async (over: Partial<CampaignInput>) => {
    const input = campaignInput(setupAt, over);
    const c = await target.createCampaign(input);
    seedCampaigns.set(c.id, seedView(c, input));
    return c;
  };
  const normal: LabCampaign[] = [];
  for (let i = 0; i < 8; i++) normal.push(await make({ name: `festival ${i}`, couponType: `${tag}festival-${i % 4}` }));
  const special = await make({
    name: 'TV guests ¥100',
    couponType: types.special,
    special: true,
    requireCode: true,
    requireVerifiedIdentity: true,
    channels: ['offline_event'],
    template: { discount: { kind: 'fixed', amountFen: 10_000 } },
    limits: { perIdentity: 1, perAccount: 1 },
    // The operator announces the event: its guests claim within the event's time.
    monitor: { expectedSurges: [{ startsAt: sc.eventAt, endsAt: sc.eventEnd, grantsPerMinute: Math.ceil(sc.guests.length / Math.max(1, (sc.eventEnd - sc.eventAt) / MIN)) }] },
  });
  // The seed's mistake: the same coupon type left claimable online as an ordinary campaign.
  const loophole =
    o.config === 'loophole'
      ? await make({ name: 'TV guests ¥100 (online entry)', couponType: types.special, template: { discount: { kind: 'fixed', amountFen: 10_000 } }, limits: { perIdentity: 1, perAccount: 1 } })
      : null;
  // flash-sale: a ¥30 no-threshold coupon on a few popular products, announced at its start time.
  const flash =
    sc.variant === 'flash-sale'
      ? await make({
          name: 'flash sale ¥30',
          couponType: types.flash,
          channels: ['app', 'mini_program'],
          template: { discount: { kind: 'fixed', amountFen: FLASH_FEN } },
          limits: { perIdentity: 1, perAccount: 1 },
          monitor: { expectedSurges: [{ startsAt: sc.flashStart, endsAt: sc.flashEnd, grantsPerMinute: Math.ceil(sc.flash.length / sc.shapes.flashMinutes) }] },
        })
      : null;
  const batch = await target.issueCodes(special.id, 'TV recording', Math.max(1, sc.guests.length), sc.end);
  const forger = hmacCodeSigner({ [batch.keyId]: 'the-rings-guess' }, batch.keyId);
  const ids = ulidGenerator(systemClock);
  // Well-formed codes for the real campaign and batch, signed with a key the rings do not have.
  const forgedCode = () =>
    encodeClaimCode({ keyId: batch.keyId, campaignId: special.id as CampaignId, batchId: batch.batchId as BatchId, codeId: ids.next<CodeId>('code'), useLimit: 1, expiresAt: sc.end, nonce: ids.random(12) }, forger);
  const ledgers: Record<Label, Ledger> = { legit: emptyLedger(), ring: emptyLedger(), swept_in: emptyLedger() };
  ledgers.legit.actors = sc.legit.length;
  ledgers.ring.actors = sc.rings.flat().length;
  ledgers.swept_in.actors = sc.sweptIn.length;
  // The seed's threshold: 20 % above the everyday face value expected on a festival day.
  let expectedDay = 0;
  for (let h = 0; h < 24; h++) expectedDay += dailyShape(sc.festivalDay + h * HOUR) * 60 * sc.shapes.peakPerMinute * o.scale * sc.shapes.festival * 15_000;
  const seedThreshold = Math.round(1.2 * expectedDay);
  const w: World = {
    t: target, now: start, r: seeded(o.seed ^ 0x5eed), tag, types, normal, special, loophole, flash, forgedCode, ledgers, variant: sc.variant,
    claimed: new Set(), hurt: new Map(), orders: [], series: new Map(), seriesFrom: Math.max(start, sc.attackStart - 30 * MIN), withoutValidCode: 0, key: 0,
    runKey: ids.random(6), redeemShare: sc.shapes.redeemShare, ringSolves: sc.shapes.ringSolves, camouflagePurchases: sc.shapes.camouflagePurchases,
    targets: sc.targets, seed: new Monitor({ totalThresholdFen: seedThreshold }), seedFrom: sc.festivalDay, seedCampaigns,
  };

  let seedAlarm: number | null = null;
  const traffic = new Traffic(sc, seeded(o.seed));
  const registered = new Set<string>();
  const guestCodes = new Map(sc.guests.map((g, i) => [g.id, batch.codes[i]]));
  let firstAlert: { at: number; tickAt: number } | null = null;
  let paused: number | null = null;
  // Every pause seen from the attack's start on (any scope), the first time it was seen.
  const pausesSeen = new Map<string, number>();
  const scopes = new Set([types.special, special.id, loophole?.id, types.flash, flash?.id]);
  const attacked = loophole ?? special;
  const ours = new Set([...normal, special, ...(loophole ? [loophole] : []), ...(flash ? [flash] : [])].map((c) => c.id));
  const total = sc.end - start;
  for (let t = start; t < sc.end; ) {
    // Ten-second slices on the festival day (the monitor looks every second in production), a minute before.
    const step = Math.min(t >= sc.festivalDay ? (target.sliceMs ?? 10_000) : MIN, sc.end - t);
    for (const e of traffic.slice(t, t + step)) {
      w.now = e.at;
      await target.at(e.at);
      if (e.kind === 'guest') await attempt(w, e.actor, special, 'offline_event', guestCodes.get(e.actor.id), 10_000, true);
      else await handle(w, e, o.config, registered);
    }
    t += step;
    w.now = t - 1;
    await target.endSlice(t);
    if (t > sc.attackStart) {
      // Kill-switch pauses (coupon types, channels) and campaigns paused (by the monitor's circuit breaker).
      const pauses = [...(await target.pauses()), ...(await target.pausedCampaigns()).filter((c) => ours.has(c.id)).map((c) => ({ kind: 'campaign', value: c.id, pausedAt: c.at }))];
      for (const p of pauses) {
        const k = `${p.kind}:${p.value}`;
        if (!pausesSeen.has(k)) pausesSeen.set(k, p.pausedAt);
      }
      if (firstAlert === null || paused === null) {
        const alerts = (await target.alerts()).filter((a) => scopes.has(a.scopeValue) && a.lastAt >= sc.attackStart);
        if (firstAlert === null && alerts.length > 0) firstAlert = { at: Math.min(...alerts.map((a) => Math.max(a.firstAt, sc.attackStart))), tickAt: t - 1 };
        // What stops the attack: its coupon type paused, or the campaign it claims paused.
        const stops = pauses.filter((x) => (x.kind === 'type' && x.value === types.special) || (x.kind === 'campaign' && x.value === attacked.id));
        if (stops.length && paused === null) paused = Math.max(sc.attackStart, Math.min(...stops.map((x) => x.pausedAt)));
      }
    }
    if (seedAlarm === null && t > sc.festivalDay && t % MIN === 0 && w.seed.evaluate(t - 1, seedCampaigns, new Map()).some((f) => f.rule === 'total-threshold')) seedAlarm = t - 1;
    o.onProgress?.(t - start, total);
  }

  // Orders as they stand now (another process may have frozen or released some).
  for (const x of w.orders) {
    const st = (await target.orderStatus(x.id)) ?? 'placed';
    const l = ledgers[x.label];
    l.redeemedFen += x.discountFen;
    if (st === 'fulfilled') l.fulfilledFen += x.discountFen;
    else if (st === 'held') l.orderHeldFen += x.discountFen;
    else if (st === 'frozen') l.frozenFen += x.discountFen;
    else l.pendingFen += x.discountFen;
  }
  for (const label of w.hurt.values()) ledgers[label].hurt++;

  const classification = await classify(w, sc.festivalDay - DAY, sc.end, (loophole ?? special).id, sc);
  const allAlerts = (await target.alerts()).filter((a) => a.lastAt >= sc.attackStart - 30 * MIN);
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
    driver: target.info(),
    wallMs: Math.round(performance.now() - wall),
    window: { from: cst(start), attackStart: cst(sc.attackStart), end: cst(sc.end) },
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
}

async function classify(w: World, from: number, to: number, campaignId: string, sc: Scenario): Promise<ReplayReport['classification']> {
  try {
    const c = await w.t.classify(from, to, campaignId);
    if (!c.ok) return { measured: false, note: c.note, sweptIn: null, ring: null };
    const classOf = new Map([...c.classOf].map(([id, k]) => [id.startsWith(w.tag) ? id.slice(w.tag.length) : id, k]));
    const swept = sc.sweptIn.filter((a) => classOf.has(a.id));
    const ring = sc.rings.flat().filter((a) => classOf.has(a.id));
    const asRing = (id: string) => classOf.get(id) === 'ring_member' || classOf.get(id) === 'ring_linked';
    const sweptAs = swept.filter((a) => classOf.get(a.id) === 'swept_in').length;
    const ringAs = ring.filter((a) => asRing(a.id)).length;
    return {
      measured: true,
      note: c.note,
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
        met: ring.granted === 0 && ring.heldFen === 0 && r.specialGrantsWithoutValidCode === 0,
        detail: `${ring.granted} ring grants (+${ring.held} locked until review), ${r.specialGrantsWithoutValidCode} special-type grants without a valid code`,
      },
    ];
  // Granted = usable coupons plus coupons issued locked until review (a reviewer may still release them).
  const share = ring.attemptedFen ? (ring.grantedFen + ring.heldFen) / ring.attemptedFen : 0;
  const c = r.classification;
  if (r.variant === 'flash-sale')
    return [
      { name: 'the flash sale causes no pause', met: r.detection.pauses.length === 0, detail: r.detection.pauses.length ? r.detection.pauses.map((p) => `${p.scope} at ${p.at}`).join(', ') : 'no pause' },
      { name: 'legit false-positive rate ≤ 0.5 %', met: r.legit.falsePositiveRate <= 0.005, detail: `${(r.legit.falsePositiveRate * 100).toFixed(2)} %` },
    ];
  return [
    { name: 'first alert within 60 s of the attack', met: within(r.detection.firstAlertAfterMs, 60_000), detail: r.detection.firstAlertAfterMs === null ? 'no alert' : `${r.detection.firstAlertAfterMs / 1000} s` },
    { name: 'auto-pause within 60 s of the attack', met: within(r.detection.pauseAfterMs, 60_000), detail: r.detection.pauseAfterMs === null ? 'no pause' : `${r.detection.pauseAfterMs / 1000} s` },
    { name: 'ring face value granted ≤ 2 % of attempted', met: share <= 0.02, detail: `${(share * 100).toFixed(2)} % (${ring.grantedFen / 100} usable + ${ring.heldFen / 100} locked until review, of ${ring.attemptedFen / 100} yuan)` },
    { name: 'legit false-positive rate ≤ 0.5 %', met: r.legit.falsePositiveRate <= 0.005, detail: `${(r.legit.falsePositiveRate * 100).toFixed(2)} %` },
    {
      name: '≥ 95 % of swept-in consumers classified as such',
      met: c.measured && c.sweptIn && c.sweptIn.total > 0 ? c.sweptIn.share >= 0.95 : null,
      detail: c.measured && c.sweptIn ? `${c.sweptIn.asSweptIn}/${c.sweptIn.total}` : c.note,
    },
  ];
}
