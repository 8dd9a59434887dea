import { describe, expect, it } from 'vitest';
import { MemoryCounters } from './counters.js';

const T = Date.parse('2019-01-20T01:00:00Z');
const attempt = (c: MemoryCounters, at: number, accountId: string, device: string, phone: string | null = null) =>
  c.recordAttempt({ at, accountId, keys: { device }, links: [{ kind: 'device', value: device }], phone: phone ? { scope: 'cmp', phone } : null });
const read = (c: MemoryCounters, at: number, metric: 'claims' | 'accounts' | 'grants' | 'denials', window: '1m' | '10m' | '1h' | '24h', key = 'd1') =>
  c.snapshot({ at, keys: { device: key }, velocity: [{ entity: 'device', metric, window }], links: [], phoneRun: null }).velocity[0];

describe('MemoryCounters', () => {
  it('counts attempts per window and forgets what falls out of it', () => {
    const c = new MemoryCounters();
    for (let i = 0; i < 5; i++) attempt(c, T + i * 20_000, `a${i}`, 'd1');
    const at = T + 100_000;
    expect(read(c, at, 'claims', '1m')).toBe(2); // t=60s and t=80s; t=40s is exactly a minute old
    expect(read(c, at, 'claims', '10m')).toBe(5);
    expect(read(c, T + 25 * 3_600_000, 'claims', '24h')).toBe(0);
  });

  it('counts distinct accounts once per window however often they come back', () => {
    const c = new MemoryCounters();
    for (let i = 0; i < 10; i++) attempt(c, T + i * 1_000, `a${i % 3}`, 'd1');
    expect(read(c, T + 10_000, 'accounts', '1m')).toBe(3);
    expect(read(c, T + 10_000, 'claims', '1m')).toBe(10);
    // An account seen early and again late still counts once over 24 h.
    attempt(c, T + 2 * 3_600_000, 'a0', 'd1');
    expect(read(c, T + 2 * 3_600_000, 'accounts', '24h')).toBe(3);
    expect(read(c, T + 2 * 3_600_000, 'accounts', '1m')).toBe(1);
  });

  it('counts outcomes separately from attempts', () => {
    const c = new MemoryCounters();
    c.recordOutcome(T, { device: 'd1' }, 'deny');
    c.recordOutcome(T, { device: 'd1' }, 'deny');
    c.recordOutcome(T, { device: 'd1' }, 'grant');
    expect(read(c, T + 1, 'denials', '1h')).toBe(2);
    expect(read(c, T + 1, 'grants', '1h')).toBe(1);
    expect(read(c, T + 1, 'claims', '1h')).toBe(0);
  });

  it('measures runs of near-consecutive numbers in one segment, per scope', () => {
    const c = new MemoryCounters();
    const run = (phone: string, scope = 'cmp') => c.snapshot({ at: T + 1, keys: {}, velocity: [], links: [], phoneRun: { scope, phone } }).phoneRun;
    for (const n of ['0100', '0101', '0103', '0106', '0200']) attempt(c, T, `a${n}`, 'd', `1700123${n}`);
    expect(run('17001230101')).toBe(4); // 0100, 0101, 0103, 0106 (gaps of at most 3)
    expect(run('17001230200')).toBe(1);
    expect(run('17001230150')).toBe(0);
    expect(run('17001230101', 'other-campaign')).toBe(0);
    expect(run('17001240101')).toBe(0); // another segment
  });

  it('counts distinct accounts linked to a thing, ever', () => {
    const c = new MemoryCounters();
    attempt(c, T, 'a1', 'shared');
    attempt(c, T + 1, 'a2', 'shared');
    attempt(c, T + 2, 'a1', 'shared');
    const s = c.snapshot({ at: T + 3, keys: {}, velocity: [], links: [{ kind: 'device', value: 'shared' }, { kind: 'device', value: 'none' }], phoneRun: null });
    expect(s.links).toEqual([2, 0]);
  });
});

describe('MemoryCounters under a big farm', () => {
  it('caps the number run it reports, so a 10,000-number run costs no more than a short one', () => {
    const c = new MemoryCounters();
    for (let n = 0; n < 10_000; n++) attempt(c, T, `f${n}`, `d${n % 12}`, `1700123${String(n).padStart(4, '0')}`);
    const run = c.snapshot({ at: T + 1, keys: {}, velocity: [], links: [], phoneRun: { scope: 'cmp', phone: '17001235000' } }).phoneRun;
    expect(run).toBe(64);
  });
});
