import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { network } from './signals.js';

/** The first definition, kept as the reference. */
const reference = (ip: string) => (ip.includes('.') ? ip.split('.').slice(0, 3).join('.') : ip.split(':').slice(0, 3).join(':'));

describe('network', () => {
  it('is the /24 of an IPv4 address and the /48 of an IPv6 one', () => {
    expect(network('198.51.100.7')).toBe('198.51.100');
    expect(network('2001:db8:85a3::8a2e:370:7334')).toBe('2001:db8:85a3');
  });

  it('agrees with split/slice/join on any string, malformed ones included', () => {
    const part = fc.oneof(fc.constantFrom('', '1', '255', 'ab', 'ffff'), fc.string({ maxLength: 3 }));
    const sep = fc.constantFrom('.', ':', '');
    const addr = fc.array(fc.tuple(part, sep), { maxLength: 8 }).map((xs) => xs.map(([p, s]) => p + s).join(''));
    fc.assert(fc.property(fc.oneof(addr, fc.string()), (ip) => {
        expect(network(ip)).toBe(reference(ip));
      }), { numRuns: 2_000 });
  });
});
