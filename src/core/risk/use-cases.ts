import type { Actor, CoreDeps } from '../deps.js';
import { appError, type AppError } from '../shared/errors.js';
import type { ClaimId, OrderId } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';
import type { ClaimRecord } from '../claims/claim.js';
import type { Order } from '../orders/order.js';
import type { RuleCompiler } from '../../ports/rules.js';
import type { ReviewVerdict } from '../../ports/store.js';
import { validListValue, type ListEntry, type ListKind, type ListName } from './lists.js';
import { policyDocProblems, type PolicyDoc, type PolicyProblem, type PolicyStatus, type PolicyVersion } from './policy-doc.js';

/** Every problem of a policy: structure, names, then each expression's syntax and types. */
export function validatePolicy(compiler: RuleCompiler, doc: PolicyDoc): PolicyProblem[] {
  const structural = policyDocProblems(doc);
  const expr = doc.rules.map((r) => compiler.check(r)).filter((p): p is PolicyProblem => p !== null);
  return [...structural, ...expr];
}

const problemText = (ps: readonly PolicyProblem[]) => ps.map((p) => p.message).join('; ');

/**
 * Publishes a policy as the live one or as the shadow beside it. A policy with any problem is
 * refused with the problem's position, and the live policy stays as it was.
 */
export async function publishPolicy(
  d: CoreDeps,
  compiler: RuleCompiler,
  doc: PolicyDoc,
  status: 'live' | 'shadow',
  actor: Actor,
  note: string,
): Promise<Result<PolicyVersion, AppError & { problems: readonly PolicyProblem[] }>> {
  const problems = validatePolicy(compiler, doc);
  if (problems.length) return err({ ...appError('VALIDATION_FAILED', `policy refused: ${problemText(problems)}`), problems });
  const v = await d.store.policies.publish(doc, status, d.clock.now(), actor, note, { actor, action: `policy.publish.${status}`, target: 'policy', details: { note } });
  return ok(v);
}

export async function setPolicyStatus(d: CoreDeps, version: number, status: PolicyStatus, actor: Actor): Promise<Result<PolicyVersion, AppError>> {
  const current = await d.store.policies.get(version);
  if (!current) return err(appError('NOT_FOUND', `policy version ${version} not found`));
  if (current.status === 'retired' && status !== 'retired') return err(appError('INVALID_STATE', 'a retired version cannot come back; publish it again'));
  const v = await d.store.policies.setStatus(version, status, d.clock.now(), { actor, action: `policy.${status}`, target: `policy@${version}`, details: {} });
  return v ? ok(v) : err(appError('NOT_FOUND', `policy version ${version} not found`));
}

export interface ListEntryInput {
  readonly list: ListName;
  readonly kind: ListKind;
  readonly value: string;
  readonly reason: string;
  readonly expiresAt: number | null;
}

export async function addListEntry(d: CoreDeps, e: ListEntryInput, actor: Actor): Promise<Result<ListEntry, AppError>> {
  if (!validListValue(e.kind, e.value)) return err(appError('VALIDATION_FAILED', `value is not a valid ${e.kind}`));
  const now = d.clock.now();
  if (e.expiresAt !== null && e.expiresAt <= now) return err(appError('VALIDATION_FAILED', 'expiresAt must be in the future'));
  const entry = await d.store.lists.add({ ...e, createdAt: now, createdBy: actor }, { actor, action: `list.${e.list}.add`, target: `${e.kind}`, details: { kind: e.kind, reason: e.reason, expiresAt: e.expiresAt } });
  return ok(entry);
}

export async function removeListEntry(d: CoreDeps, id: number, actor: Actor): Promise<Result<{ removed: true }, AppError>> {
  const removed = await d.store.lists.remove(id, d.clock.now(), { actor, action: 'list.remove', target: `list-entry:${id}`, details: {} });
  return removed ? ok({ removed: true }) : err(appError('NOT_FOUND', `list entry ${id} not found or already removed`));
}

export async function reviewClaim(d: CoreDeps, id: ClaimId, verdict: ReviewVerdict, actor: Actor, note: string): Promise<Result<ClaimRecord, AppError>> {
  const r = await d.store.reviews.decideClaim(id, verdict, d.clock.now(), actor, note);
  if (!r.claim) return err(appError('NOT_FOUND', `claim ${id} not found`));
  if (!r.changed) return err(appError('INVALID_STATE', 'this claim is not waiting for review'));
  return ok(r.claim);
}

export async function reviewOrder(d: CoreDeps, id: OrderId, verdict: ReviewVerdict, actor: Actor, note: string): Promise<Result<Order, AppError>> {
  const r = await d.store.reviews.decideOrder(id, verdict, d.clock.now(), actor, note);
  if (!r.order) return err(appError('NOT_FOUND', `order ${id} not found`));
  if (!r.changed) return err(appError('INVALID_STATE', `order ${id} is ${r.order.status}, not held for review`));
  return ok(r.order);
}
