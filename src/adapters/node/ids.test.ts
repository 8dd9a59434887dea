import fc from 'fast-check';
import { decodeTime, isValid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { monotonicUlid, ulidGenerator } from './ids.js';

describe('monotonicUlid', () => {
  it('makes valid ULIDs that sort in the order they were made, whatever the clock does', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 48 - 1 }), { minLength: 1, maxLength: 200 }), (times) => {
        const next = monotonicUlid();
        let prev = '';
        let latest = -1;
        for (const t of times) {
          const id = next(t);
          latest = Math.max(latest, t);
          expect(isValid(id)).toBe(true);
          expect(id > prev).toBe(true);
          // The time part is the latest time seen: a clock stepping back does not reorder ids.
          expect(decodeTime(id)).toBe(latest);
          prev = id;
        }
      }),
    );
  });

  it('carries the increment across the two random halves', () => {
    const next = monotonicUlid();
    const ids = Array.from({ length: 5000 }, () => next(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('draws fresh randomness in every new millisecond', () => {
    const next = monotonicUlid();
    const randomParts = new Set(Array.from({ length: 1000 }, (_, i) => next(1_700_000_000_000 + i).slice(10)));
    expect(randomParts.size).toBe(1000);
  });

  it('refuses a time a ULID cannot hold', () => {
    const next = monotonicUlid();
    for (const t of [-1, 2 ** 48, 1.5, Number.NaN]) expect(() => next(t)).toThrow(RangeError);
  });

  it('prefixes ids with their kind and follows the injected clock', () => {
    const ids = ulidGenerator({ now: () => 1_700_000_000_000 });
    const id = ids.next<string>('claim');
    expect(id).toMatch(/^clm_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(decodeTime(id.slice(4))).toBe(1_700_000_000_000);
  });
});
