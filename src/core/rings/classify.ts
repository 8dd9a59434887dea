/**
 * Ring members versus swept-in consumers (capability 13).
 *
 * When a code leaks, ordinary consumers follow the rings through it. Each account that claimed in
 * the scope is put in one class, with its reasons:
 * - `ring_member`: a member of a ring of the current detection run;
 * - `ring_linked`: not a member, but shares a strong thing (identity, phone, device, payment,
 *   target, address, or a number inside a ring's phone run) with a ring — an associate, not a
 *   bystander;
 * - `swept_in`: no strong link into any ring, and an ordinary history: the account existed well
 *   before it claimed (`minAgeDays`) or has purchases on record;
 * - `undetermined`: no link into a ring, but no history either (a new account with nothing else:
 *   neither proven ring nor proven consumer; a leniency policy decides).
 */
import type { AccountRecord } from '../accounts/account.js';
import { maskHash, maskPhone } from '../identity/mask.js';
import type { AccountId } from '../shared/ids.js';
import type { ThingKind } from './kinds.js';
import type { RingId } from './ring.js';

export const CONSUMER_CLASSES = ['ring_member', 'ring_linked', 'swept_in', 'undetermined'] as const;
export type ConsumerClass = (typeof CONSUMER_CLASSES)[number];

export interface ClaimantFacts {
  readonly accountId: AccountId;
  readonly firstClaimAt: number;
  readonly claims: number;
  /** The code it claimed with, and how many accounts in the scope used that code. */
  readonly code: { readonly id: string; readonly accounts: number } | null;
  /** Account creation time the shop sent with the claim. */
  readonly accountCreatedAt: number | null;
  readonly record: AccountRecord | null;
  readonly ring: { readonly ringId: RingId; readonly score: number } | null;
  /** Strong things it shares with rings of the current run. */
  readonly links: readonly { readonly ringId: RingId; readonly kind: ThingKind; readonly value: string }[];
}

export interface ClassReason {
  readonly code: string;
  readonly message: string;
}

export interface Classification {
  readonly accountId: AccountId;
  readonly class: ConsumerClass;
  readonly ringId: RingId | null;
  readonly reasons: readonly ClassReason[];
}

export interface ClassifyOptions {
  /** An account this old (days) when it first claimed has an ordinary history. */
  readonly minAgeDays: number;
  /** A code used by at least this many accounts in the scope counts as leaked. */
  readonly leakedCodeAccounts: number;
}

export const CLASSIFY_DEFAULTS: ClassifyOptions = { minAgeDays: 30, leakedCodeAccounts: 20 };

const DAY = 86_400_000;

const shown = (kind: ThingKind, value: string) =>
  kind === 'phone' ? maskPhone(value) : kind === 'identity' ? maskHash(value) : kind === 'target' && value.startsWith('phone:') ? `phone:${maskPhone(value.slice(6))}` : value;

/** Age in days at the first claim, from the best source there is; null when nothing says. */
function ageDays(f: ClaimantFacts): number | null {
  const r = f.record;
  const created = [f.accountCreatedAt, r?.registeredAt ?? null, r && r.firstSeenAt < f.firstClaimAt ? r.firstSeenAt : null].filter((x): x is number => x !== null);
  return created.length ? (f.firstClaimAt - Math.min(...created)) / DAY : null;
}

export function classifyClaimant(f: ClaimantFacts, opts: ClassifyOptions = CLASSIFY_DEFAULTS): Classification {
  const reasons: ClassReason[] = [];
  if (f.code && f.code.accounts >= opts.leakedCodeAccounts)
    reasons.push({ code: 'LEAKED_CODE', message: `claimed with code ${f.code.id}, used by ${f.code.accounts} accounts` });
  if (f.ring) {
    return {
      accountId: f.accountId,
      class: 'ring_member',
      ringId: f.ring.ringId,
      reasons: [{ code: 'RING_MEMBER', message: `member of ring ${f.ring.ringId} (score ${f.ring.score})` }, ...reasons],
    };
  }
  if (f.links.length) {
    const first = f.links[0]!;
    const kinds = [...new Set(f.links.map((l) => l.kind))].join(', ');
    return {
      accountId: f.accountId,
      class: 'ring_linked',
      ringId: first.ringId,
      reasons: [
        { code: 'RING_LINKED', message: `shares ${kinds} with ring ${first.ringId} (e.g. ${first.kind} ${shown(first.kind, first.value)})` },
        ...reasons,
      ],
    };
  }
  reasons.push({ code: 'NO_RING_LINK', message: 'shares no identity, phone, device, payment, target, address or phone run with any ring' });
  const age = ageDays(f);
  const purchases = f.record?.purchases ?? 0;
  const history: string[] = [];
  if (age !== null && age >= opts.minAgeDays) history.push(`account ${Math.floor(age)} days old when it claimed`);
  if (purchases > 0) history.push(`${purchases} purchase${purchases === 1 ? '' : 's'} on record`);
  if (history.length) {
    reasons.push({ code: 'ORDINARY_HISTORY', message: history.join('; ') });
    return { accountId: f.accountId, class: 'swept_in', ringId: null, reasons };
  }
  reasons.push({ code: 'NO_HISTORY', message: age === null ? 'no creation time and no purchases on record' : `account ${age.toFixed(1)} days old, no purchases on record` });
  return { accountId: f.accountId, class: 'undetermined', ringId: null, reasons };
}
