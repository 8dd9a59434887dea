import type { IdKind } from '../core/shared/ids.js';

/** Sortable ids (prefix + ULID) and unguessable random tokens. */
export interface IdGenerator {
  next<T extends string>(kind: IdKind): T;
  /** `bytes` random bytes, base64url. */
  random(bytes: number): string;
}
