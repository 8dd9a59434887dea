import type { AccountId } from '../shared/ids.js';
import type { Fen } from '../shared/money.js';

export const ACCOUNT_EVENT_TYPES = ['registration', 'login', 'purchase', 'verification'] as const;
export type AccountEventType = (typeof ACCOUNT_EVENT_TYPES)[number];

/** What the shop tells us happened to an account, so that claims have a history to be read against. */
export interface AccountEvent {
  readonly type: AccountEventType;
  readonly accountId: AccountId;
  readonly at: number;
  readonly phone: string | null;
  readonly deviceId: string | null;
  readonly ip: string | null;
  readonly identityHash: string | null;
  readonly identityVerified: boolean;
  readonly amountFen: Fen | null;
}

/** The account as we know it from events and claims. */
export interface AccountRecord {
  readonly id: AccountId;
  readonly firstSeenAt: number;
  readonly registeredAt: number | null;
  readonly lastSeenAt: number;
  readonly phone: string | null;
  readonly identityHash: string | null;
  readonly identityVerified: boolean;
  readonly purchases: number;
  readonly purchaseFen: Fen;
  readonly logins: number;
}
