import { normalizeCnMobile } from '../identity/phone.js';
import type { OrderStatus } from '../orders/order.js';
import { TOPUP_TARGET_KINDS } from '../orders/order.js';
import { ACCOUNT_ID_PATTERN, idPattern, type Brand } from '../shared/ids.js';
import type { IdGenerator } from '../../ports/ids.js';

/**
 * An incident: a scope (what is involved), a leniency policy (who is spared), and a timeline
 * (every action in it, from the audit log). Its orders are frozen, released or cancelled by jobs.
 */
export type IncidentId = Brand<string, 'IncidentId'>;
export const INCIDENT_ID_PATTERN = '^inc_[0-9A-HJKMNP-TV-Z]{26}$';
export const newIncidentId = (ids: IdGenerator): IncidentId => `inc_${ids.next<string>('key').slice(4)}` as IncidentId;
export const isIncidentId = (v: unknown): v is IncidentId => typeof v === 'string' && new RegExp(INCIDENT_ID_PATTERN).test(v);

/**
 * What an incident's scope can name. An order is in scope when it matches ANY selector and, if the
 * incident has a time window, was placed inside it:
 * - campaign / coupon_type: the order redeemed a coupon of that campaign (or of a campaign of that type);
 * - code / batch: the order redeemed a coupon claimed with that code (or a code of that batch);
 * - account / order: the order is by that account, or is that order (lists, e.g. from the police);
 * - topup_target: an item of the order tops up that target ("phone:13800138000" or a bare phone number, "qq:12345");
 * - rule: the order's own risk decision fired that rule;
 * - ring: the order is by an account of that ring (resolved to accounts by ring detection).
 */
export const SCOPE_KINDS = ['campaign', 'coupon_type', 'code', 'batch', 'account', 'order', 'topup_target', 'rule', 'ring'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

export interface ScopeSelector {
  readonly kind: ScopeKind;
  readonly value: string;
}

export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

export const ACCOUNT_CLASSES = ['ring_member', 'swept_in'] as const;
/** Ring members organised the theft; swept-in consumers followed a shared code and are not pursued. */
export type AccountClass = (typeof ACCOUNT_CLASSES)[number];

export interface Leniency {
  /** What a bulk freeze does to the orders of swept-in consumers: leave them alone, or freeze them too. */
  readonly sweptInOrders: 'keep' | 'freeze';
  /** Whether `incident block` puts ring members on the risk block list. Swept-in consumers never are. */
  readonly blockRingMembers: boolean;
}

export const DEFAULT_LENIENCY: Leniency = { sweptInOrders: 'keep', blockRingMembers: true };

export const INCIDENT_STATUSES = ['open', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export interface Incident {
  readonly id: IncidentId;
  readonly title: string;
  readonly status: IncidentStatus;
  readonly window: TimeWindow | null;
  readonly leniency: Leniency;
  readonly note: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
}

/**
 * Where each in-scope order stands in this incident:
 * - in_scope: found, not acted on yet;
 * - frozen: frozen by this incident (its status before is kept, to release it back);
 * - flagged: already fulfilled when the freeze came (its value is lost, it is evidence);
 * - spared: by a swept-in consumer under a lenient policy, left alone;
 * - held_elsewhere: already frozen by someone else (another incident, an operator): not ours to release;
 * - inactive: already cancelled or rejected, nothing to do;
 * - released / cancelled: this incident released or cancelled it after freezing it.
 */
export const DISPOSITIONS = ['in_scope', 'frozen', 'flagged', 'spared', 'held_elsewhere', 'inactive', 'released', 'cancelled'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export interface Member {
  readonly incidentId: IncidentId;
  readonly seq: number;
  readonly orderId: string;
  readonly accountId: string;
  readonly disposition: Disposition;
  /** The order's status before this incident froze it. */
  readonly priorStatus: OrderStatus | null;
  readonly foundAt: number;
  readonly actedAt: number | null;
}

/** What a bulk freeze does to one in-scope order, given its status and its account's class. */
export function freezeDisposition(status: OrderStatus, cls: AccountClass | null, leniency: Leniency): Disposition {
  switch (status) {
    case 'placed':
    case 'held':
      return cls === 'swept_in' && leniency.sweptInOrders === 'keep' ? 'spared' : 'frozen';
    case 'fulfilled':
      return 'flagged';
    case 'frozen':
      return 'held_elsewhere';
    case 'cancelled':
    case 'rejected':
      return 'inactive';
  }
}

/** Which members a bulk release or cancel touches: frozen by this incident, optionally of one class. */
export type MemberFilter = { readonly class?: AccountClass | 'unclassified' };

export const INCIDENT_ACTIONS = ['freeze', 'release', 'cancel'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

const PATTERNS: Record<ScopeKind, RegExp> = {
  campaign: new RegExp(idPattern('campaign')),
  coupon_type: /^[a-z0-9][a-z0-9_-]{0,63}$|^cmp_[0-9A-HJKMNP-TV-Z]{26}$/,
  code: new RegExp(idPattern('code')),
  batch: new RegExp(idPattern('batch')),
  account: new RegExp(ACCOUNT_ID_PATTERN),
  order: new RegExp(idPattern('order')),
  // "kind:value", or a bare phone number (taken as phone:...).
  topup_target: /^((phone|qq|game_account):.{1,64}|[+0-9 ()-]{7,24})$/,
  rule: /^[a-z0-9][a-z0-9-]{0,63}$/,
  ring: /^[A-Za-z0-9_.:-]{1,64}$/,
};

/** A selector's value in its stored form (top-up phones normalised like orders store them), or null when invalid. */
export function normalizeSelector(kind: ScopeKind, raw: string): string | null {
  const v = raw.trim();
  if (!PATTERNS[kind].test(v)) return null;
  if (kind !== 'topup_target') return v;
  const i = v.indexOf(':');
  if (i < 0) {
    const bare = normalizeCnMobile(v);
    return bare ? `phone:${bare}` : null;
  }
  const k = v.slice(0, i) as (typeof TOPUP_TARGET_KINDS)[number];
  const rest = v.slice(i + 1).trim();
  if (!TOPUP_TARGET_KINDS.includes(k) || !rest) return null;
  if (k !== 'phone') return `${k}:${rest}`;
  const p = normalizeCnMobile(rest);
  return p ? `phone:${p}` : null;
}

export const MAX_TITLE = 200;

export function windowProblem(w: TimeWindow | null): string | null {
  if (!w) return null;
  if (!Number.isSafeInteger(w.from) || !Number.isSafeInteger(w.to)) return 'window times must be valid';
  return w.to > w.from ? null : 'window.to must be after window.from';
}
