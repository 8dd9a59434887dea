/**
 * MemoryCounters against a naive reference (every event kept, every count a filter), on random
 * streams whose timestamps run out of order by up to SKEW. Keys with few events must match
 * exactly; busy keys (bucketed) may miss events of a window's oldest bucket and, read before
 * events in the same bucket, count those: the bound is asserted, not just "close".
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryCounters } from './counters.js';
import type { VelocityKeys, VelocityMetric, WindowName } from '../../ports/counters.js';
import { WINDOWS } from '../../ports/counters.js';

const T = Date.parse('2019-01-20T00:00:00Z');
const SKEW = 3_000;
const METRICS: readonly VelocityMetric[] = ['claims', 'grants', 'denials', 'accounts'];
const WINDOW_NAMES = Object.keys(WINDOWS) as WindowName[];
const ENTITIES = ['account', 'device', 'ip'] as const;

interface Op {
  readonly at: number;
  readonly account: string;
  readonly device: string;
  readonly ip: string;
  /** An attempt, or an attempt followed by its outcome. */
  readonly outcome: 'none' | 'grant' | 'deny';
}

/** Every event kept; counts by filtering. */
class Naive {
  private readonly events: { at: number; entity: string; key: string; metric: VelocityMetric }[] = [];
  private readonly latest = new Map<string, Map<string, number>>();
  private readonly linked = new Map<string, Set<string>>();

  apply(op: Op): void {
    const keys = { account: op.account, device: op.device, ip: op.ip };
    for (const entity of ENTITIES) {
      this.events.push({ at: op.at, entity, key: keys[entity], metric: 'claims' });
      if (op.outcome !== 'none') this.events.push({ at: op.at, entity, key: keys[entity], metric: op.outcome === 'grant' ? 'grants' : 'denials' });
      if (entity !== 'account') {
        const m = this.latest.get(`${entity}:${keys[entity]}`) ?? new Map<string, number>();
        m.set(op.account, Math.max(m.get(op.account) ?? -Infinity, op.at));
        this.latest.set(`${entity}:${keys[entity]}`, m);
      }
    }
    for (const [kind, value] of [['device', op.device], ['ip', op.ip]] as const) {
      const s = this.linked.get(`${kind}:${value}`) ?? new Set<string>();
      this.linked.set(`${kind}:${value}`, s.add(op.account));
    }
  }

  /** Events (or accounts' latest times) of a key in (from, to]. */
  count(entity: string, key: string, metric: VelocityMetric, from: number, to: number): number {
    if (metric === 'accounts') return [...(this.latest.get(`${entity}:${key}`)?.values() ?? [])].filter((t) => t > from && t <= to).length;
    return this.events.filter((e) => e.entity === entity && e.key === key && e.metric === metric && e.at > from && e.at <= to).length;
  }

  links(kind: string, value: string): number {
    return this.linked.get(`${kind}:${value}`)?.size ?? 0;
  }
}

function apply(c: MemoryCounters, op: Op): void {
  const keys: VelocityKeys = { account: op.account, device: op.device, ip: op.ip };
  const links = [
    { kind: 'device' as const, value: op.device },
    { kind: 'ip' as const, value: op.ip },
  ];
  // As the engine does: count the attempt and read in one call, then the outcome.
  c.snapshot({ at: op.at, keys, velocity: [{ entity: 'device', metric: 'claims', window: '1m' }], links, phoneRun: null }, { at: op.at, accountId: op.account, keys, links, phone: null });
  if (op.outcome !== 'none') c.recordOutcome(op.at, keys, op.outcome);
}

const read = (c: MemoryCounters, at: number, entity: (typeof ENTITIES)[number], key: string, metric: VelocityMetric, window: WindowName) =>
  c.snapshot({ at, keys: { [entity]: key }, velocity: [{ entity, metric, window }], links: [], phoneRun: null }).velocity[0]!;

/** A stream: time moves forward by `gap`, each event lands up to SKEW before or after. */
const stream = (opts: { minLength: number; maxLength: number; accounts: number; devices: number; ips: number; maxGap: number }) =>
  fc
    .array(
      fc.record({
        gap: fc.integer({ min: 0, max: opts.maxGap }),
        jitter: fc.integer({ min: -SKEW, max: SKEW }),
        account: fc.integer({ min: 0, max: opts.accounts - 1 }),
        device: fc.integer({ min: 0, max: opts.devices - 1 }),
        ip: fc.integer({ min: 0, max: opts.ips - 1 }),
        outcome: fc.constantFrom('none' as const, 'grant' as const, 'deny' as const),
      }),
      { minLength: opts.minLength, maxLength: opts.maxLength, size: 'max' },
    )
    .map((raw) => {
      let now = T;
      return raw.map((r): Op => {
        now += r.gap;
        return { at: now + r.jitter, account: `a${r.account}`, device: `d${r.device}`, ip: `10.0.0.${r.ip}`, outcome: r.outcome };
      });
    });

/** Read times: around the end of the stream (skewed reads before its last events included) and later. */
const readOffsets = fc.array(fc.integer({ min: -2 * SKEW, max: 2 * 86_400_000 }), { minLength: 1, maxLength: 6 });

describe('MemoryCounters against a naive reference', () => {
  it('is exact for keys with few events (inline and exact tiers), in every window, with out-of-order times', () => {
    fc.assert(
      fc.property(stream({ minLength: 1, maxLength: 40, accounts: 6, devices: 3, ips: 4, maxGap: 120_000 }), readOffsets, (ops, offsets) => {
        const c = new MemoryCounters();
        const ref = new Naive();
        for (const op of ops) {
          apply(c, op);
          ref.apply(op);
        }
        const end = Math.max(...ops.map((o) => o.at));
        for (const off of offsets) {
          const at = end + off;
          for (const entity of ENTITIES)
            for (const key of new Set(ops.map((o) => o[entity])))
              for (const metric of METRICS)
                for (const w of WINDOW_NAMES) {
                  const want = entity === 'account' && metric === 'accounts' ? 0 : ref.count(entity, key, metric, at - WINDOWS[w], at);
                  expect(read(c, at, entity, key, metric, w), `${entity} ${key} ${metric} ${w} at +${off}`).toBe(want);
                }
        }
        for (const kind of ['device', 'ip'] as const)
          for (const value of new Set(ops.map((o) => o[kind]))) {
            const got = c.snapshot({ at: end, keys: {}, velocity: [], links: [{ kind, value }], phoneRun: null }).links[0];
            expect(got).toBe(ref.links(kind, value));
          }
      }),
      { numRuns: 150 },
    );
  });

  it('keeps busy keys (buckets) within one bucket of each window edge', () => {
    fc.assert(
      fc.property(stream({ minLength: 300, maxLength: 1_500, accounts: 80, devices: 2, ips: 2, maxGap: 90_000 }), readOffsets, (ops, offsets) => {
        const c = new MemoryCounters();
        const ref = new Naive();
        for (const op of ops) {
          apply(c, op);
          ref.apply(op);
        }
        const end = Math.max(...ops.map((o) => o.at));
        for (const off of [...offsets].sort((a, b) => a - b)) {
          const at = end + off;
          for (const entity of ['device', 'ip'] as const)
            for (const key of new Set(ops.map((o) => o[entity])))
              for (const metric of METRICS)
                for (const w of WINDOW_NAMES) {
                  const ms = WINDOWS[w];
                  // 1 and 10 min windows count seconds, 1 and 24 h minutes.
                  const res = ms <= 600_000 ? 1_000 : 60_000;
                  const got = read(c, at, entity, key, metric, w);
                  // May miss the window's oldest bucket (and events that came SKEW late for it);
                  // may count events of the newest bucket that are after the read time. A read
                  // before the newest event (negative offsets) sees what the ring still holds: a
                  // window that ends at the newest event's bucket, not at the read time.
                  const lo = ref.count(entity, key, metric, Math.max(at, end) - ms + res + SKEW, at);
                  const hi = ref.count(entity, key, metric, at - ms, at + res);
                  expect(got, `${entity} ${key} ${metric} ${w} at +${off}`).toBeGreaterThanOrEqual(lo);
                  expect(got, `${entity} ${key} ${metric} ${w} at +${off}`).toBeLessThanOrEqual(hi);
                }
        }
      }),
      { numRuns: 40, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {}) },
    );
  });
});

/** The phone-run walk as it was first written: a map of suffixes per segment. */
function naiveRun(seen: readonly { phone: string; at: number }[], phone: string, at: number): number {
  const m = new Map<number, number>();
  for (const s of seen) if (s.phone.slice(0, 7) === phone.slice(0, 7)) m.set(Number(s.phone.slice(7)), Math.max(m.get(Number(s.phone.slice(7))) ?? -Infinity, s.at));
  const live = (n: number) => (m.get(n) ?? -Infinity) > at - 86_400_000;
  const me = Number(phone.slice(7));
  let count = live(me) ? 1 : 0;
  for (const dir of [-1, 1]) {
    let pos = me;
    while (count < 64) {
      let next = -1;
      for (let g = 1; g <= 3; g++)
        if (live(pos + dir * g)) {
          next = pos + dir * g;
          break;
        }
      if (next < 0) break;
      count++;
      pos = next;
    }
  }
  return count;
}

describe('MemoryCounters phone runs', () => {
  it('match the plain walk over a map, at segment ends too, across days', () => {
    const phone = fc
      .record({ seg: fc.constantFrom('1700123', '1700124', '1860000'), n: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 9_960, max: 9_999 })) })
      .map(({ seg, n }) => `${seg}${String(n).padStart(4, '0')}`);
    fc.assert(
      fc.property(fc.array(fc.record({ phone, dt: fc.integer({ min: 0, max: 4 * 3_600_000 }) }), { maxLength: 200, size: 'max' }), fc.array(phone, { minLength: 1, maxLength: 10 }), (events, probes) => {
        const c = new MemoryCounters();
        const seen: { phone: string; at: number }[] = [];
        let at = T;
        for (const e of events) {
          at += e.dt;
          c.recordAttempt({ at, accountId: `a${seen.length}`, keys: {}, links: [], phone: { scope: 'cmp', phone: e.phone } });
          seen.push({ phone: e.phone, at });
        }
        for (const p of probes) expect(c.snapshot({ at: at + 1, keys: {}, velocity: [], links: [], phoneRun: { scope: 'cmp', phone: p } }).phoneRun).toBe(naiveRun(seen, p, at + 1));
      }),
      { numRuns: 150 },
    );
  });
});

describe('MemoryCounters memory', () => {
  it('forgets idle keys: day after day of new keys, the keys held stay near one day’s worth, and live keys keep their counts', () => {
    const c = new MemoryCounters({ linkIdleMs: 2 * 86_400_000 });
    const perDay = 3_000;
    let peak = { velocity: 0, links: 0 };
    for (let day = 0; day < 8; day++) {
      for (let i = 0; i < perDay; i++) {
        const at = T + day * 86_400_000 + i * 20_000;
        const op: Op = { at, account: `a${day}-${i}`, device: `d${day}-${i % 500}`, ip: `10.${day}.${i >> 8}.${i & 255}`, outcome: 'grant' };
        apply(c, op);
      }
      // Today's keys all answer, through whatever deletions the sweep made in the index.
      const end = T + day * 86_400_000 + perDay * 20_000;
      for (let d = 0; d < 500; d += 37) expect(read(c, end, 'device', `d${day}-${d}`, 'claims', '24h')).toBe(perDay / 500);
      for (let i = 0; i < perDay; i += 101) expect(read(c, end, 'account', `a${day}-${i}`, 'grants', '24h')).toBe(1);
      const size = c.size;
      peak = { velocity: Math.max(peak.velocity, size.velocity), links: Math.max(peak.links, size.links) };
    }
    // One day: 3,000 accounts + 500 devices + 3,000 IPs + ~12 networks; links kept 2 days.
    expect(peak.velocity).toBeLessThan(3 * 6_600);
    expect(peak.links).toBeLessThan(4 * 3_600);
  });
});
