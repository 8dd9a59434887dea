/**
 * Distinct claim requests: request i is a different person on every axis the claim path limits or
 * links on — account id, phone, device, IP, resident identity number — and carries its own
 * Idempotency-Key. Nothing repeats for the first 80,000,000 requests of a run.
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
      phone: `13${String(i % 1_000_000_000).padStart(9, '0')}`,
      deviceId: `dev-${run}-${i}`,
      ip: `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`,
      identity: { number: uniqueResidentId(i), verified: true },
    },
  };
}

export const idempotencyKey = (run: string, i: number): string => `bench-${run}-${i}`;
