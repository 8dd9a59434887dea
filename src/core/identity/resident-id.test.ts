import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  makeResidentId,
  normalizeResidentId,
  residentIdCheckChar,
  validateResidentId,
} from './resident-id.js';

/** The standard's own worked example, and a few numbers whose check character was computed by hand. */
const KNOWN_VALID = ['11010519491231002X', '110105199001010010', '440308199901010012', '320106200002290019'];

const birthDates = fc
  .record({
    y: fc.integer({ min: 1900, max: 2100 }),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
  })
  .map(({ y, m, d }) => `${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`);
const regions = fc.integer({ min: 110000, max: 829999 }).map(String);

describe('GB 11643 resident identity numbers', () => {
  it.each(KNOWN_VALID)('accepts the valid number %s', (n) => {
    expect(validateResidentId(n)).toEqual({ ok: true, id: n });
  });

  it('computes the ISO 7064 MOD 11-2 check character, X standing for 10', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(residentIdCheckChar('11010519900101001')).toBe('0');
    expect(residentIdCheckChar('44030819990101001')).toBe('2');
  });

  it('normalizes a lower-case x and surrounding spaces to one canonical form', () => {
    expect(validateResidentId('11010519491231002x')).toEqual({ ok: true, id: '11010519491231002X' });
    expect(validateResidentId('  11010519491231002X\t')).toEqual({ ok: true, id: '11010519491231002X' });
    expect(normalizeResidentId('11010519491231002x')).toBe('11010519491231002X');
  });

  it.each([
    ['110105194912310021', 'a wrong check digit'],
    ['110105194912310020', 'a digit where X is due'],
    ['11010519900101001X', 'X where a digit is due'],
    ['21010519491231002X', 'a changed region digit'],
  ])('rejects %s (%s) as a checksum error', (n) => {
    expect(validateResidentId(n)).toEqual({ ok: false, problem: 'checksum' });
  });

  it.each([
    ['19490230', 'February 30'],
    ['19491301', 'month 13'],
    ['19490001', 'month 0'],
    ['19491200', 'day 0'],
    ['19490431', 'April 31'],
    ['19000229', 'Feb 29 of 1900, not a leap year'],
    ['18991231', 'before 1900'],
    ['21010101', 'after 2100'],
  ])('rejects birth date %s (%s)', (birth) => {
    const first17 = `110105${birth}001`;
    // A correct check character, so that only the date can be what is wrong.
    expect(validateResidentId(first17 + residentIdCheckChar(first17))).toEqual({
      ok: false,
      problem: 'birth_date',
    });
  });

  it('accepts 29 February of a leap year', () => {
    expect(validateResidentId(makeResidentId('110105', '20000229', 1)).ok).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['11010519491231002', '17 characters'],
    ['11010519491231002X1', '19 characters'],
    ['01010519491231002X', 'leading zero'],
    ['1101051949123100X2', 'X not last'],
    ['11010519491231002Y', 'a letter other than X'],
    ['１１０１０５１９４９１２３１００２Ｘ', 'full-width digits'],
    ['110105 19491231 002X', 'inner spaces'],
  ])('rejects %j (%s) as a shape error', (n) => {
    expect(validateResidentId(n)).toEqual({ ok: false, problem: 'shape' });
  });

  it('makeResidentId always builds a number that validates', () => {
    fc.assert(
      fc.property(regions, birthDates, fc.nat(), (region, birth, seq) => {
        const n = makeResidentId(region, birth, seq);
        expect(n).toHaveLength(18);
        expect(validateResidentId(n)).toEqual({ ok: true, id: n });
      }),
      { seed: 11643, numRuns: 500 },
    );
  });

  it('detects every single-character substitution of a valid number', () => {
    fc.assert(
      fc.property(
        regions,
        birthDates,
        fc.nat(999),
        fc.nat(17),
        fc.constantFrom(...'0123456789X'),
        (region, birth, seq, pos, ch) => {
          const n = makeResidentId(region, birth, seq);
          fc.pre(n[pos] !== ch);
          const changed = n.slice(0, pos) + ch + n.slice(pos + 1);
          expect(validateResidentId(changed).ok).toBe(false);
        },
      ),
      { seed: 7064, numRuns: 2_000 },
    );
  });
});
