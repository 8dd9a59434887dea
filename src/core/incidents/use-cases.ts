import type { AuditInput } from '../audit/audit.js';
import type { Actor, CoreDeps } from '../deps.js';
import { createJob } from '../jobs/service.js';
import type { Job } from '../jobs/job.js';
import { appError, type AppError } from '../shared/errors.js';
import type { OrderId } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';
import type { ClassifiedAccount } from '../../ports/incidents.js';
import { ACCOUNT_ID_PATTERN } from '../shared/ids.js';
import {
  ACCOUNT_CLASSES,
  DEFAULT_LENIENCY,
  MAX_TITLE,
  newIncidentId,
  normalizeSelector,
  SCOPE_KINDS,
  windowProblem,
  type AccountClass,
  type Disposition,
  type Incident,
  type IncidentAction,
  type IncidentId,
  type Leniency,
  type Member,
  type MemberFilter,
  type ScopeKind,
  type ScopeSelector,
  type TimeWindow,
} from './incident.js';
import type { RingSource } from './rings.js';

/** Incident use cases need ring detection's port besides the usual deps. */
export interface IncidentDeps extends CoreDeps {
  readonly rings: RingSource;
}

/** Scope lists may be long (a police list of orders); one request or file carries at most this many. */
export const MAX_SELECTORS = 1_000_000;

export interface RawSelector {
  readonly kind: ScopeKind;
  readonly value: string;
}

export interface AccountClassInput {
  readonly accountId: string;
  readonly class: AccountClass;
  readonly ring?: string | null;
}

export interface OpenIncidentInput {
  readonly title: string;
  readonly note?: string;
  readonly window?: TimeWindow | null;
  readonly scope: readonly RawSelector[];
  readonly leniency?: Partial<Leniency>;
  /** The operator's list: ring members and swept-in consumers. */
  readonly accounts?: readonly AccountClassInput[];
}

const invalid = (msg: string) => err(appError('VALIDATION_FAILED', msg));

/** Validates and normalises selectors; every bad value is reported (the first ten), nothing is half-taken. */
export function normalizeScope(raw: readonly RawSelector[]): Result<ScopeSelector[], AppError> {
  if (raw.length > MAX_SELECTORS) return invalid(`at most ${MAX_SELECTORS} selectors at once`);
  const out: ScopeSelector[] = [];
  const bad: string[] = [];
  raw.forEach((s, i) => {
    const v = SCOPE_KINDS.includes(s.kind) && typeof s.value === 'string' ? normalizeSelector(s.kind, s.value) : null;
    if (v === null) bad.push(`#${i + 1} ${String(s.kind)} ${JSON.stringify(String(s.value).slice(0, 80))}`);
    else out.push({ kind: s.kind, value: v });
  });
  if (bad.length) return invalid(`${bad.length} invalid scope value(s): ${bad.slice(0, 10).join('; ')}${bad.length > 10 ? '; ...' : ''}`);
  return ok(out);
}

function normalizeAccounts(raw: readonly AccountClassInput[], source: 'operator' | 'rings'): Result<ClassifiedAccount[], AppError> {
  const re = new RegExp(ACCOUNT_ID_PATTERN);
  const bad: string[] = [];
  const out: ClassifiedAccount[] = [];
  raw.forEach((a, i) => {
    const ring = a.ring ?? null;
    if (!re.test(a.accountId) || !ACCOUNT_CLASSES.includes(a.class) || (ring !== null && !/^[A-Za-z0-9_.:-]{1,64}$/.test(ring)))
      bad.push(`#${i + 1} ${JSON.stringify(String(a.accountId).slice(0, 80))}`);
    else out.push({ accountId: a.accountId, class: a.class, ring, source });
  });
  if (bad.length) return invalid(`${bad.length} invalid account entr(ies): ${bad.slice(0, 10).join('; ')}`);
  if (out.length > MAX_SELECTORS) return invalid(`at most ${MAX_SELECTORS} accounts at once`);
  return ok(out);
}

/** Ring selectors resolve, through ring detection, to account selectors and ring-member classes. */
async function expandRings(d: IncidentDeps, selectors: ScopeSelector[]): Promise<Result<{ selectors: ScopeSelector[]; members: ClassifiedAccount[] }, AppError>> {
  const rings = selectors.filter((s) => s.kind === 'ring').map((s) => s.value);
  if (!rings.length) return ok({ selectors, members: [] });
  const r = await d.rings.members(rings);
  if (!r.ok) return invalid(r.reason);
  const members: ClassifiedAccount[] = [];
  const extra: ScopeSelector[] = [];
  for (const [ring, accounts] of r.accounts)
    for (const a of accounts) {
      extra.push({ kind: 'account', value: a });
      members.push({ accountId: a, class: 'ring_member', ring, source: 'rings' });
    }
  return ok({ selectors: [...selectors, ...extra], members });
}

const countByKind = (xs: readonly ScopeSelector[]) => {
  const c: Partial<Record<ScopeKind, number>> = {};
  for (const s of xs) c[s.kind] = (c[s.kind] ?? 0) + 1;
  return c;
};

const countByClass = (xs: readonly ClassifiedAccount[]) => {
  const c: Partial<Record<AccountClass, number>> = {};
  for (const a of xs) c[a.class] = (c[a.class] ?? 0) + 1;
  return c;
};

async function openOne(d: CoreDeps, id: IncidentId): Promise<Result<Incident, AppError>> {
  const inc = await d.store.incidents.get(id);
  if (!inc) return err(appError('NOT_FOUND', `incident ${id} not found`));
  if (inc.status !== 'open') return err(appError('INVALID_STATE', `incident ${id} is ${inc.status}`));
  return ok(inc);
}

export async function getIncident(d: CoreDeps, id: IncidentId): Promise<Result<Incident, AppError>> {
  const inc = await d.store.incidents.get(id);
  return inc ? ok(inc) : err(appError('NOT_FOUND', `incident ${id} not found`));
}

/** Opens an incident with its scope (and the operator's classification list, if given). Audited. */
export async function openIncident(d: IncidentDeps, input: OpenIncidentInput, actor: Actor): Promise<Result<Incident, AppError>> {
  const title = input.title.trim();
  if (!title || title.length > MAX_TITLE) return invalid(`title must be 1..${MAX_TITLE} characters`);
  const w = windowProblem(input.window ?? null);
  if (w) return invalid(w);
  if (!input.scope.length) return invalid('an incident needs at least one scope selector (a campaign, coupon type, code, batch, account, order, top-up target, rule or ring)');
  const scope = normalizeScope(input.scope);
  if (!scope.ok) return scope;
  const accounts = normalizeAccounts(input.accounts ?? [], 'operator');
  if (!accounts.ok) return accounts;
  const expanded = await expandRings(d, scope.value);
  if (!expanded.ok) return expanded;
  const at = d.clock.now();
  const inc: Incident = {
    id: newIncidentId(d.ids),
    title,
    status: 'open',
    window: input.window ?? null,
    leniency: { ...DEFAULT_LENIENCY, ...input.leniency },
    note: input.note ?? '',
    createdAt: at,
    createdBy: actor,
    updatedAt: at,
  };
  await d.store.incidents.create(inc, expanded.value.selectors, {
    actor,
    action: 'incident.open',
    target: inc.id,
    details: { title, window: inc.window, leniency: inc.leniency, scope: countByKind(expanded.value.selectors) },
  });
  if (expanded.value.members.length) await d.store.incidents.classify(inc.id, expanded.value.members, at, { actor, action: 'incident.classify.rings', target: inc.id, details: countByClass(expanded.value.members) });
  if (accounts.value.length) await d.store.incidents.classify(inc.id, accounts.value, at, { actor, action: 'incident.classify', target: inc.id, details: countByClass(accounts.value) });
  return ok(inc);
}

/** Adds selectors to an open incident's scope (a new list from the police, another campaign). Audited. */
export async function addScope(d: IncidentDeps, id: IncidentId, raw: readonly RawSelector[], actor: Actor): Promise<Result<{ added: number }, AppError>> {
  const inc = await openOne(d, id);
  if (!inc.ok) return inc;
  if (!raw.length) return invalid('no selectors given');
  const scope = normalizeScope(raw);
  if (!scope.ok) return scope;
  const expanded = await expandRings(d, scope.value);
  if (!expanded.ok) return expanded;
  const at = d.clock.now();
  const added = await d.store.incidents.addScope(id, expanded.value.selectors, at, { actor, action: 'incident.scope.add', target: id, details: { given: countByKind(expanded.value.selectors) } });
  if (expanded.value.members.length) await d.store.incidents.classify(id, expanded.value.members, at, { actor, action: 'incident.classify.rings', target: id, details: countByClass(expanded.value.members) });
  return ok({ added });
}

/** The operator's word on accounts: ring members or swept-in consumers. Audited. */
export async function classifyAccounts(d: CoreDeps, id: IncidentId, raw: readonly AccountClassInput[], actor: Actor): Promise<Result<{ changed: number }, AppError>> {
  const inc = await openOne(d, id);
  if (!inc.ok) return inc;
  if (!raw.length) return invalid('no accounts given');
  const accounts = normalizeAccounts(raw, 'operator');
  if (!accounts.ok) return accounts;
  const changed = await d.store.incidents.classify(id, accounts.value, d.clock.now(), { actor, action: 'incident.classify', target: id, details: countByClass(accounts.value) });
  return ok({ changed });
}

/** Asks ring detection about every account with orders in scope; an operator's entries stand. Audited. */
export async function importRingClasses(d: IncidentDeps, id: IncidentId, actor: Actor): Promise<Result<{ changed: number }, AppError>> {
  const inc = await openOne(d, id);
  if (!inc.ok) return inc;
  let after: string | undefined;
  let changed = 0;
  const at = d.clock.now();
  for (;;) {
    const page = await d.store.incidents.memberAccounts(id, { limit: 1000, ...(after ? { after } : {}) });
    const known = await d.rings.classify(page.items);
    const entries = [...known].map(([accountId, v]) => ({ accountId, class: v.class, ring: v.ring, source: 'rings' as const }));
    if (entries.length) changed += await d.store.incidents.classify(id, entries, at, null);
    if (!page.next) break;
    after = page.next;
  }
  await d.store.audit.append({ actor, action: 'incident.classify.rings', target: id, details: { changed } }, at);
  return ok({ changed });
}

export async function setLeniency(d: CoreDeps, id: IncidentId, l: Partial<Leniency>, actor: Actor): Promise<Result<Incident, AppError>> {
  const inc = await openOne(d, id);
  if (!inc.ok) return inc;
  const leniency = { ...inc.value.leniency, ...l };
  const r = await d.store.incidents.setLeniency(id, leniency, d.clock.now(), { actor, action: 'incident.leniency', target: id, details: { from: inc.value.leniency, to: leniency } });
  return r ? ok(r) : err(appError('NOT_FOUND', `incident ${id} not found`));
}

export interface IncidentJobParams {
  readonly incidentId: IncidentId;
  readonly filter: MemberFilter;
}

export const incidentJobKind = (a: IncidentAction) => `incident.${a}` as const;

/**
 * Starts a bulk freeze, release or cancel as a job (queued; the caller runs it). Asking again for
 * the same action while its job is unfinished returns that job, to resume it; another action is a
 * CONFLICT until the first one ends.
 */
export async function startIncidentJob(
  d: CoreDeps,
  id: IncidentId,
  action: IncidentAction,
  filter: MemberFilter,
  actor: Actor,
): Promise<Result<{ job: Job<IncidentJobParams>; resumed: boolean }, AppError>> {
  const inc = await openOne(d, id);
  if (!inc.ok) return inc;
  if (action === 'freeze' && filter.class) return invalid('a freeze covers the whole scope; leniency decides about swept-in consumers');
  const r = await createJob<IncidentJobParams>(d, {
    kind: incidentJobKind(action),
    ref: id,
    params: { incidentId: id, filter },
    actor,
    audit: { actor, action: `incident.${action}.start`, target: id, details: { filter } },
  });
  if (r.ok) return ok({ job: r.value, resumed: false });
  const holder = r.error.holder;
  if (holder && holder.kind === incidentJobKind(action)) return ok({ job: holder as Job<IncidentJobParams>, resumed: true });
  return r;
}

/** Freeze (adding it to the scope), release or cancel one order of an open incident. Audited. */
export async function actOnIncidentOrder(d: CoreDeps, id: IncidentId, orderId: OrderId, action: IncidentAction, actor: Actor, note?: string): Promise<Result<Member, AppError>> {
  const inc = await openOne(d, id);
  if (!inc.ok) return inc;
  const audit: AuditInput = { actor, action: `incident.order.${action}`, target: id, details: note ? { note } : {} };
  const r = await d.store.incidents.actOnMember(id, orderId, action, d.clock.now(), actor, audit);
  switch (r.kind) {
    case 'order_not_found':
      return err(appError('NOT_FOUND', `order ${orderId} not found`));
    case 'unchanged':
      return r.member ? err(appError('INVALID_STATE', `cannot ${action} order ${orderId}: ${r.why}`)) : err(appError('NOT_FOUND', r.why));
    case 'changed':
      return ok(r.member);
  }
}

export async function closeIncident(d: CoreDeps, id: IncidentId, actor: Actor, note?: string): Promise<Result<Incident, AppError>> {
  const inc = await openOne(d, id);
  if (!inc.ok) return inc;
  const job = await d.store.jobs.activeFor(id);
  if (job) return err(appError('CONFLICT', `job ${job.id} (${job.kind}) is still ${job.status} on this incident`));
  const r = await d.store.incidents.setStatus(id, 'open', 'closed', d.clock.now(), { actor, action: 'incident.close', target: id, details: note ? { note } : {} });
  if (!r.incident) return err(appError('NOT_FOUND', `incident ${id} not found`));
  if (!r.changed) return err(appError('INVALID_STATE', `incident ${id} is ${r.incident.status}`));
  return ok(r.incident);
}

/** Puts the incident's ring members (never swept-in consumers) on the risk block list, once each. Audited. */
export async function blockRingMembers(d: CoreDeps, id: IncidentId, actor: Actor): Promise<Result<{ blocked: number; already: number }, AppError>> {
  const inc = await openOne(d, id);
  if (!inc.ok) return inc;
  if (!inc.value.leniency.blockRingMembers) return err(appError('INVALID_STATE', 'this incident\'s policy does not block ring members (leniency.blockRingMembers is false)'));
  const at = d.clock.now();
  const listed = new Set((await d.store.lists.active(at)).filter((e) => e.list === 'block' && e.kind === 'account').map((e) => e.value));
  let blocked = 0;
  let already = 0;
  let after: string | undefined;
  for (;;) {
    const page = await d.store.incidents.accountsPage(id, { limit: 500, class: 'ring_member', ...(after ? { after } : {}) });
    for (const a of page.items) {
      if (listed.has(a.accountId)) {
        already++;
        continue;
      }
      await d.store.lists.add(
        { list: 'block', kind: 'account', value: a.accountId, reason: `ring member in incident ${id}`, expiresAt: null, createdAt: at, createdBy: actor },
        { actor, action: 'list.block.add', target: 'account', details: { kind: 'account', incidentId: id } },
      );
      listed.add(a.accountId);
      blocked++;
    }
    if (!page.next) break;
    after = page.next;
  }
  await d.store.audit.append({ actor, action: 'incident.block', target: id, details: { blocked, already } }, at);
  return ok({ blocked, already });
}

export interface IncidentSummary {
  readonly incident: Incident;
  readonly scope: Partial<Record<ScopeKind, number>>;
  readonly orders: Partial<Record<Disposition, number>>;
  readonly activeJob: Job | null;
}

export async function incidentSummary(d: CoreDeps, id: IncidentId): Promise<Result<IncidentSummary, AppError>> {
  const incident = await d.store.incidents.get(id);
  if (!incident) return err(appError('NOT_FOUND', `incident ${id} not found`));
  const [scope, orders, activeJob] = await Promise.all([d.store.incidents.scopeCounts(id), d.store.incidents.dispositionCounts(id), d.store.jobs.activeFor(id)]);
  return ok({ incident, scope, orders, activeJob });
}
