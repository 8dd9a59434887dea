/**
 * Distinct claim requests that look like a legitimate crowd: request i is a different person on
 * every axis the claim path limits or links on — account id, phone, device, IP, resident identity
 * number — and carries its own Idempotency-Key. The risk engine (on by default) flags what a real
 * crowd does not do, so the generator avoids it too: phones are spread over ~460,000 seven-digit
 * segments of ordinary carrier ranges (never virtual or IoT ranges, never near-consecutive numbers
 * in one segment), IPs over 65,536 /24 networks, one device and one identity per account.
 * Nothing repeats for the first 80,000,000 requests of a run.
 */
import { makeResidentId } from '../../src/core/identity/resident-id.js';

const DAY = 86_400_000;
const BIRTH_BASE = Date.UTC(1950, 0, 1);
/** makeResidentId varies only 3 sequence digits, so we also walk birth dates and regions. */
const DAYS = 20_000; // 1950-01-01 .. ~2004-10
const REGIONS = ['110105', '310104', '440305', '510107'] as const;

function birthDate(dayIndex: number): string {
  const d = new Date(BIRTH_BASE + dayIndex * DAY); // pure date arithmetic
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** A valid, unique (for i < 80M) resident id number. */
export function uniqueResidentId(i: number): string {
  const seq = i % 1000;
  const day = Math.floor(i / 1000) % DAYS;
  const region = REGIONS[Math.floor(i / (1000 * DAYS)) % REGIONS.length]!;
  return makeResidentId(region, birthDate(day), seq);
}

/** Ordinary mobile prefixes of the three carriers and Broadnet (no virtual-operator, no IoT ranges). */
const PREFIXES = [
  '134', '135', '136', '137', '138', '139', '150', '151', '152', '157', '158', '159', '172', '178', '182', '183', '184', '187', '188', '195', '197', '198',
  '130', '131', '132', '155', '156', '166', '175', '176', '185', '186', '196',
  '133', '153', '173', '174', '177', '180', '181', '189', '190', '191', '193', '199',
  '192',
] as const;
const SEGMENTS = PREFIXES.length * 10_000;
/** Coprime with SEGMENTS, so i → segment is a bijection on each block of SEGMENTS requests. */
const SEGMENT_STEP = 100_003;

/**
 * The i-th phone: consecutive requests land in far-apart segments; a segment is reused only every
 * SEGMENTS requests, each time with a suffix 3 further on plus a per-segment offset, so one
 * segment never holds a near-consecutive run. Unique for i < SEGMENTS × 3,333.
 */
export function uniquePhone(i: number): string {
  const seg = (i * SEGMENT_STEP) % SEGMENTS;
  const round = Math.floor(i / SEGMENTS);
  const prefix = PREFIXES[seg % PREFIXES.length]!;
  const block = Math.floor(seg / PREFIXES.length);
  const suffix = (round * 3 + ((seg * 7_919) % 10_000)) % 10_000;
  return `${prefix}${String(block).padStart(4, '0')}${String(suffix).padStart(4, '0')}`;
}

/** The i-th IPv4 address in 10.0.0.0/8: odd-multiplier scramble, a bijection on 2^24 addresses. */
export function spreadIp(i: number): string {
  const x = Math.imul(i, 0x9e3779b1) & 0xffffff;
  return `10.${x >>> 16}.${(x >>> 8) & 255}.${x & 255}`;
}

export interface ClaimBody {
  campaignId: string;
  channel: 'app';
  account: { id: string; phone: string; deviceId: string; ip: string; identity: { number: string; verified: boolean } };
}

/** The i-th distinct claim of a run; `run` keeps ids apart between runs against one database. */
export function claimBody(campaignId: string, run: string, i: number): ClaimBody {
  return {
    campaignId,
    channel: 'app',
    account: {
      id: `bench-${run}-${i}`,
      phone: uniquePhone(i),
      deviceId: `dev-${run}-${i}`,
      ip: spreadIp(i),
      identity: { number: uniqueResidentId(i), verified: true },
    },
  };
}

export const idempotencyKey = (run: string, i: number): string => `bench-${run}-${i}`;
