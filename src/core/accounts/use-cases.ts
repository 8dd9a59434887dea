import type { CoreDeps } from '../deps.js';
import { normalizeCnMobile } from '../identity/phone.js';
import { validateResidentId } from '../identity/resident-id.js';
import { appError, type AppError } from '../shared/errors.js';
import type { AccountId } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';
import type { AccountEventType } from './account.js';

export interface AccountEventRequest {
  readonly type: AccountEventType;
  readonly accountId: string;
  /** When it happened, epoch ms; defaults to now. */
  readonly at?: number;
  readonly phone?: string;
  readonly deviceId?: string;
  readonly ip?: string;
  readonly identity?: { readonly number: string; readonly verified: boolean };
  readonly amountFen?: number;
}

/** Records a registration, login, purchase or verification. Identity numbers are hashed at once. */
export async function recordAccountEvent(d: CoreDeps, e: AccountEventRequest): Promise<Result<{ recorded: true }, AppError>> {
  const phone = e.phone === undefined ? null : normalizeCnMobile(e.phone);
  if (e.phone !== undefined && !phone) return err(appError('VALIDATION_FAILED', 'phone is not a Chinese mobile number'));
  let identityHash: string | null = null;
  if (e.identity) {
    const v = validateResidentId(e.identity.number);
    if (!v.ok) return err(appError('VALIDATION_FAILED', `identity.number is not a valid resident id (${v.problem})`));
    identityHash = d.hasher.hash('identity', v.id);
  }
  const now = d.clock.now();
  if (e.at !== undefined && e.at > now + 5 * 60_000) return err(appError('VALIDATION_FAILED', 'at is in the future'));
  await d.store.accounts.recordEvent({
    type: e.type,
    accountId: e.accountId as AccountId,
    at: e.at ?? now,
    phone,
    deviceId: e.deviceId ?? null,
    ip: e.ip ?? null,
    identityHash,
    identityVerified: e.identity?.verified ?? false,
    amountFen: e.amountFen ?? null,
  });
  return ok({ recorded: true });
}
