import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { ID_PREFIXES, type IdKind } from '../../core/shared/ids.js';
import type { Clock } from '../../ports/clock.js';
import type { IdGenerator } from '../../ports/ids.js';

/** ULIDs ordered by the given clock (monotonic within a millisecond). */
export function ulidGenerator(clock: Clock): IdGenerator {
  const next = monotonicFactory();
  return {
    next: <T extends string>(kind: IdKind) => `${ID_PREFIXES[kind]}_${next(clock.now())}` as T,
    random: (bytes) => randomBytes(bytes).toString('base64url'),
  };
}
