/**
 * Typed, sortable ids: a short prefix and a ULID (26 Crockford base32 characters).
 * The prefix makes a pasted id self-describing and lets the HTTP layer reject a malformed id early.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export const ID_PREFIXES = {
  campaign: 'cmp',
  coupon: 'cpn',
  claim: 'clm',
  order: 'ord',
  batch: 'bat',
  code: 'cod',
  key: 'key',
  challenge: 'chl',
  alert: 'alr',
  webhook: 'whk',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

export type CampaignId = Brand<string, 'CampaignId'>;
export type CouponId = Brand<string, 'CouponId'>;
export type ClaimId = Brand<string, 'ClaimId'>;
export type OrderId = Brand<string, 'OrderId'>;
export type BatchId = Brand<string, 'BatchId'>;
export type CodeId = Brand<string, 'CodeId'>;
export type KeyId = Brand<string, 'KeyId'>;
/** The shop's own account id, opaque to us. */
export type AccountId = Brand<string, 'AccountId'>;

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
export const idPattern = (kind: IdKind): string => `^${ID_PREFIXES[kind]}_${ULID}$`;
export const ACCOUNT_ID_PATTERN = '^[A-Za-z0-9_.:@-]{1,64}$';

export function isId(kind: IdKind, value: unknown): boolean {
  return typeof value === 'string' && new RegExp(idPattern(kind)).test(value);
}
