import type { AccountEvent, AccountRecord } from './account.js';
import type { AccountId } from '../shared/ids.js';

/**
 * How events and claims change what we know of an account. The store applies these inside its
 * transactions and the backtest applies them in memory, so both see the same account history.
 */
export function applyAccountEvent(a: AccountRecord | null, e: AccountEvent): AccountRecord {
  return {
    id: e.accountId,
    firstSeenAt: Math.min(a?.firstSeenAt ?? e.at, e.at),
    registeredAt: a?.registeredAt ?? (e.type === 'registration' ? e.at : null),
    lastSeenAt: Math.max(a?.lastSeenAt ?? e.at, e.at),
    phone: e.phone ?? a?.phone ?? null,
    identityHash: e.identityHash ?? a?.identityHash ?? null,
    identityVerified: (a?.identityVerified ?? false) || (e.identityHash !== null && e.identityVerified),
    purchases: (a?.purchases ?? 0) + (e.type === 'purchase' ? 1 : 0),
    purchaseFen: (a?.purchaseFen ?? 0) + (e.type === 'purchase' ? (e.amountFen ?? 0) : 0),
    logins: (a?.logins ?? 0) + (e.type === 'login' ? 1 : 0),
  };
}

/** A claim tells us the account exists and what phone and identity it used. */
export function applyClaimToAccount(
  a: AccountRecord | null,
  c: { accountId: AccountId; at: number; phone: string | null; identityHash: string | null; identityVerified: boolean },
): AccountRecord {
  return {
    id: c.accountId,
    firstSeenAt: Math.min(a?.firstSeenAt ?? c.at, c.at),
    registeredAt: a?.registeredAt ?? null,
    lastSeenAt: Math.max(a?.lastSeenAt ?? c.at, c.at),
    phone: c.phone ?? a?.phone ?? null,
    identityHash: c.identityHash ?? a?.identityHash ?? null,
    identityVerified: (a?.identityVerified ?? false) || (c.identityHash !== null && c.identityVerified),
    purchases: a?.purchases ?? 0,
    purchaseFen: a?.purchaseFen ?? 0,
    logins: a?.logins ?? 0,
  };
}
