import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeCnMobile, PHONE_INPUT_PATTERN, phoneSegment } from './phone.js';

const national = fc
  .tuple(
    fc.constantFrom(...'3456789'),
    fc.array(fc.constantFrom(...'0123456789'), { minLength: 9, maxLength: 9 }),
  )
  .map(([second, rest]) => `1${second}${rest.join('')}`);
const sep = fc.constantFrom('', ' ', '-');

describe('Chinese mobile number normalization', () => {
  it.each([
    '13800138000',
    '+8613800138000',
    '+86 138 0013 8000',
    '+86-138-0013-8000',
    '008613800138000',
    '0086 138 0013 8000',
    '8613800138000',
    '86 13800138000',
    '138 0013 8000',
    '138-0013-8000',
    ' 13800138000 ',
    '\t+86\u00a0138\u30000013 8000',
  ])('maps %j to the national form', (raw) => {
    expect(normalizeCnMobile(raw)).toBe('13800138000');
  });

  it.each([
    ['', 'empty'],
    ['+86', 'prefix only'],
    ['12800138000', 'second digit 2'],
    ['10800138000', 'second digit 0'],
    ['1380013800', '10 digits'],
    ['138001380001', '12 digits'],
    ['+1 415 555 0100', 'another country'],
    ['+85213800138000', 'Hong Kong prefix'],
    ['+86 +86 13800138000', 'prefix twice'],
    ['861380013800', '86 and only 10 digits'],
    ['1380013800O', 'a letter O for zero'],
    ['１３８００１３８０００', 'full-width digits'],
    ['138.0013.8000', 'dots'],
  ])('rejects %j (%s)', (raw) => {
    expect(normalizeCnMobile(raw)).toBeNull();
  });

  it('every prefix and separator the API pattern allows normalizes to the same national number', () => {
    const pattern = new RegExp(PHONE_INPUT_PATTERN, 'u');
    fc.assert(
      fc.property(
        national,
        fc.constantFrom('', '+86', '0086', '86'),
        sep,
        sep,
        sep,
        (n, prefix, s1, s2, s3) => {
          const raw = `${prefix}${s1}${n.slice(0, 3)}${s2}${n.slice(3, 7)}${s3}${n.slice(7)}`;
          expect(pattern.test(raw)).toBe(true);
          expect(normalizeCnMobile(raw)).toBe(n);
        },
      ),
      { seed: 86, numRuns: 1_000 },
    );
  });

  it('whatever passes the API pattern, normalization accepts (the schema never lets through what the core refuses)', () => {
    const pattern = new RegExp(PHONE_INPUT_PATTERN, 'u');
    fc.assert(
      fc.property(fc.stringMatching(pattern), (raw) => {
        expect(normalizeCnMobile(raw)).toMatch(/^1[3-9]\d{9}$/);
      }),
      { seed: 138, numRuns: 1_000 },
    );
  });

  it('the segment is the first seven digits', () => {
    expect(phoneSegment('13800138000')).toBe('1380013');
  });
});
