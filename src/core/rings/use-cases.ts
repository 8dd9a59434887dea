/**
 * Ring detection's use cases: a detection run over what the store holds (claims, account events,
 * orders in a time window), the rings it found, exports, and the classification of a campaign's
 * claimants into ring members and swept-in consumers.
 */
import type { Actor, CoreDeps } from '../deps.js';
import { appError, type AppError } from '../shared/errors.js';
import type { AccountId, CampaignId } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';
import { CLASSIFY_DEFAULTS, classifyClaimant, type ClaimantFacts, type Classification, type ClassifyOptions, type ConsumerClass } from './classify.js';
import type { Progress } from './dense-blocks.js';
import { findRings, RING_DEFAULTS, type RingOptions } from './find-rings.js';
import type { ThingKind } from './kinds.js';
import { LinkGraphBuilder } from './link-graph.js';
import { inRun } from './phone-runs.js';
import { ringsFromFinding, type RingId, type RingMember, type Ring, type RingRecord, type RingRun, type RingRunId, type RingRunStats } from './ring.js';

export interface DetectInput {
  readonly from: number;
  readonly to: number;
  readonly options?: Partial<RingOptions>;
}

/** Sortable run ids from the id generator (its ULID, lower-cased). */
const newRunId = (d: CoreDeps): RingRunId => `rrun_${d.ids.next<string>('claim').slice(4).toLowerCase()}` as RingRunId;

/** Validates the window and records the run as started (audited); `executeRingRun` does the work. */
export async function startRingRun(d: CoreDeps, input: DetectInput, actor: Actor): Promise<Result<RingRun, AppError>> {
  if (!(input.from < input.to)) return err(appError('VALIDATION_FAILED', 'from must be before to'));
  const o = input.options ?? {};
  if (o.minRows !== undefined && !(Number.isInteger(o.minRows) && o.minRows >= 2)) return err(appError('VALIDATION_FAILED', 'minRows must be an integer ≥ 2'));
  const run: RingRun = { id: newRunId(d), at: d.clock.now(), from: input.from, to: input.to, status: 'running', actor, stats: null, error: null, finishedAt: null };
  await d.store.rings.startRun(run, { actor, action: 'ring.detect', target: run.id, details: { from: input.from, to: input.to, options: o } });
  return ok(run);
}

/** What a detection over a window found, ready to be stored as a run. */
export interface RingDetection {
  readonly records: RingRecord[];
  readonly stats: Omit<RingRunStats, 'ms'>;
}

/**
 * Where an analyst's run detects: here by default; a server on a database file hands it to its
 * detector thread (a 30-day window is seconds of synchronous work the serving thread cannot spare).
 */
export type RingRunDetect = (window: { readonly from: number; readonly to: number }, runId: RingRunId, options: Partial<RingOptions>, progress: Progress) => Promise<RingDetection>;

/** The link graph of the window, the rings in it, and the run's statistics (everything but storing). */
export async function detectRingRecords(
  store: Pick<CoreDeps['store'], 'claims' | 'accounts' | 'rings'>,
  window: { readonly from: number; readonly to: number },
  runId: RingRunId,
  options: Partial<RingOptions> = {},
  progress: Progress = () => {},
): Promise<RingDetection> {
  const opts = { ...RING_DEFAULTS, ...options };
  const { lg, claims, events, orders } = await buildLinkGraph({ store: store as CoreDeps['store'] }, window, progress);
  const finding = findRings(lg, opts, progress);
  const records = ringsFromFinding(lg, finding, runId);
  return {
    records,
    stats: {
      accounts: lg.graph.rows,
      things: lg.graph.cols,
      links: lg.graph.rowAdj.length,
      droppedThings: lg.droppedThings,
      claims,
      orders,
      events,
      communities: finding.dense.communityCount,
      modularity: Math.round(finding.dense.modularity * 1000) / 1000,
      candidates: finding.dense.blocks.length,
      threshold: Math.round(finding.dense.threshold * 10) / 10,
      nullBest: finding.dense.nullBest === null ? null : Math.round(finding.dense.nullBest * 10) / 10,
      rings: records.length,
      ringAccounts: records.reduce((s, r) => s + r.members.length, 0),
    },
  };
}

/**
 * Builds the link graph of the run's window (claims, account events, orders), finds rings, stores
 * them and makes the run current. `progress` hears each phase ('claims', 'events', 'orders', then
 * the detector's). A failure is recorded on the run and rethrown (it is a bug, not an outcome).
 */
export async function executeRingRun(
  d: CoreDeps,
  run: RingRun,
  options: Partial<RingOptions> = {},
  progress: Progress = () => {},
  detect: RingRunDetect = (w, id, o, p) => detectRingRecords(d.store, w, id, o, p),
): Promise<RingRun> {
  try {
    const { records, stats } = await detect({ from: run.from, to: run.to }, run.id, options, progress);
    return await d.store.rings.finishRun(run.id, { ...stats, ms: d.clock.now() - run.at }, records, d.clock.now());
  } catch (e) {
    await d.store.rings.failRun(run.id, e instanceof Error ? e.message : String(e), d.clock.now());
    throw e;
  }
}

/** The link graph of what the store holds in a window: claims, account events, orders. */
export async function buildLinkGraph(d: Pick<CoreDeps, 'store'>, range: { from: number; to: number }, progress: Progress = () => {}) {
  const b = new LinkGraphBuilder();
  const totalClaims = await d.store.claims.countRange(range);
  let claims = 0;
  for await (const c of d.store.claims.scan(range)) {
    b.addClaim(c);
    if (++claims % 10_000 === 0) progress('claims', claims, totalClaims);
  }
  progress('claims', claims, totalClaims);
  let events = 0;
  for await (const e of d.store.accounts.scanEvents(range)) {
    b.addEvent(e);
    if (++events % 10_000 === 0) progress('events', events, events);
  }
  progress('events', events, events);
  const totalOrders = await d.store.rings.countOrders(range);
  let orders = 0;
  for await (const o of d.store.rings.scanOrders(range)) {
    b.addOrder(o);
    if (++orders % 10_000 === 0) progress('orders', orders, totalOrders);
  }
  progress('orders', orders, totalOrders);
  return { lg: b.build(), claims, events, orders };
}

/** Starts and runs a detection in one call (the CLI and tests). */
export async function detectRings(d: CoreDeps, input: DetectInput, actor: Actor, progress: Progress = () => {}): Promise<Result<RingRun, AppError>> {
  const started = await startRingRun(d, input, actor);
  return started.ok ? ok(await executeRingRun(d, started.value, input.options, progress)) : started;
}

export async function getRing(d: CoreDeps, id: RingId): Promise<Result<Ring, AppError>> {
  const r = await d.store.rings.get(id);
  return r ? ok(r) : err(appError('NOT_FOUND', `ring ${id} not found`));
}

/** Every member of a ring (pages through the store). */
export async function allMembers(d: Pick<CoreDeps, 'store'>, id: RingId): Promise<RingMember[]> {
  const out: RingMember[] = [];
  let after: string | undefined;
  for (;;) {
    const p = await d.store.rings.members(id, { limit: 5_000, after });
    out.push(...p.items);
    if (!p.next) return out;
    after = p.next;
  }
}

/** A ring with all its members, for evidence files; the export is audited (who took what, when). */
export async function exportRing(d: CoreDeps, id: RingId, actor: Actor, format: string): Promise<Result<{ ring: Ring; members: RingMember[] }, AppError>> {
  const ring = await d.store.rings.get(id);
  if (!ring) return err(appError('NOT_FOUND', `ring ${id} not found`));
  const members = await allMembers(d, id);
  await d.store.audit.append({ actor, action: 'ring.export', target: id, details: { format, members: members.length, runId: ring.runId } }, d.clock.now());
  return ok({ ring, members });
}

export interface ClassifyReport {
  readonly campaignId: CampaignId;
  /** The detection run the classes rest on; null when none has run (nobody can be a member then). */
  readonly runId: RingRunId | null;
  readonly counts: Record<ConsumerClass, number>;
  readonly items: readonly Classification[];
}

/** What the claim path reads about an account: membership and strong links into current rings. */
export async function ringLinks(
  d: Pick<CoreDeps, 'store'>,
  probe: { accountId: AccountId; phones: readonly string[]; devices: readonly string[]; identities: readonly string[]; targets?: readonly string[] },
): Promise<{ ring: { ringId: RingId; score: number } | null; links: { ringId: RingId; kind: ThingKind; value: string }[] }> {
  const ring = await d.store.rings.membership(probe.accountId);
  const things: { kind: ThingKind; value: string }[] = [
    ...probe.phones.map((value) => ({ kind: 'phone' as const, value })),
    ...probe.devices.map((value) => ({ kind: 'device' as const, value })),
    ...probe.identities.map((value) => ({ kind: 'identity' as const, value })),
    ...(probe.targets ?? []).map((value) => ({ kind: 'target' as const, value })),
  ];
  const links = [...(await d.store.rings.linked(things))];
  for (const p of probe.phones) {
    if (p.length !== 11) continue;
    for (const r of await d.store.rings.phoneRunsIn(p.slice(0, 7))) if (inRun(r.value, p)) links.push({ ringId: r.ringId, kind: 'phone_run', value: r.value });
  }
  return { ring, links };
}

/**
 * Classifies every account that claimed a campaign against the current detection run: ring
 * member, linked to a ring, swept-in consumer, or undetermined (see classify.ts).
 */
export async function classifyCampaign(d: CoreDeps, campaignId: CampaignId, opts: Partial<ClassifyOptions> = {}): Promise<Result<ClassifyReport, AppError>> {
  const campaign = await d.store.campaigns.get(campaignId);
  if (!campaign) return err(appError('NOT_FOUND', `campaign ${campaignId} not found`));
  const o = { ...CLASSIFY_DEFAULTS, ...opts };
  const run = await d.store.rings.currentRun();
  interface Acc {
    first: number;
    claims: number;
    code: string | null;
    createdAt: number | null;
    phones: Set<string>;
    devices: Set<string>;
    identities: Set<string>;
  }
  const accounts = new Map<string, Acc>();
  const codeUsers = new Map<string, Set<string>>();
  let after: string | undefined;
  for (;;) {
    const page = await d.store.claims.list({ campaignId, limit: 1_000, after });
    for (const c of page.items) {
      let a = accounts.get(c.accountId);
      if (!a) accounts.set(c.accountId, (a = { first: c.at, claims: 0, code: null, createdAt: null, phones: new Set(), devices: new Set(), identities: new Set() }));
      a.claims++;
      a.first = Math.min(a.first, c.at);
      a.code ??= c.codeId;
      a.createdAt ??= c.accountCreatedAt;
      if (c.phone) a.phones.add(c.phone);
      if (c.deviceId) a.devices.add(c.deviceId);
      if (c.identityHash) a.identities.add(c.identityHash);
      if (c.codeId) {
        let users = codeUsers.get(c.codeId);
        if (!users) codeUsers.set(c.codeId, (users = new Set()));
        users.add(c.accountId);
      }
    }
    if (!page.next) break;
    after = page.next;
  }
  const items: Classification[] = [];
  const counts: Record<ConsumerClass, number> = { ring_member: 0, ring_linked: 0, swept_in: 0, undetermined: 0 };
  for (const [id, a] of accounts) {
    const accountId = id as AccountId;
    const { ring, links } = run
      ? await ringLinks(d, { accountId, phones: [...a.phones], devices: [...a.devices], identities: [...a.identities] })
      : { ring: null, links: [] };
    const facts: ClaimantFacts = {
      accountId,
      firstClaimAt: a.first,
      claims: a.claims,
      code: a.code ? { id: a.code, accounts: codeUsers.get(a.code)?.size ?? 1 } : null,
      accountCreatedAt: a.createdAt,
      record: await d.store.accounts.get(accountId),
      ring,
      links,
    };
    const c = classifyClaimant(facts, o);
    counts[c.class]++;
    items.push(c);
  }
  return ok({ campaignId, runId: run?.id ?? null, counts, items });
}

