import type { Sha256 } from '../../ports/crypto.js';

/**
 * Step-up challenges. A claim the policy challenges returns a challenge id; the client proves work
 * (finds `solution` so that SHA-256 of `<id>:<solution>` starts with `difficulty` zero bits) and
 * sends the very same claim again with `challenge: {id, solution}`. A challenge is bound to the
 * request it was issued for, expires, and can be used once.
 *
 * Proof of work costs a phone a fraction of a second and a SIM farm real CPU per account; an SMS
 * re-verification step at the shop can use the same contract.
 */
export const CHALLENGE_DIFFICULTY = 16;
export const CHALLENGE_TTL_MS = 5 * 60_000;

export interface ChallengeRecord {
  readonly id: string;
  readonly claimId: string;
  readonly requestHash: string;
  readonly difficulty: number;
  readonly expiresAt: number;
  readonly usedBy: string | null;
}

export interface ChallengeAnswer {
  readonly id: string;
  readonly solution: string;
}

export function leadingZeroBits(hex: string): number {
  let bits = 0;
  for (const ch of hex) {
    const v = parseInt(ch, 16);
    if (v === 0) {
      bits += 4;
      continue;
    }
    return bits + (Math.clz32(v) - 28);
  }
  return bits;
}

export const powValid = (sha256: Sha256, id: string, solution: string, difficulty: number): boolean =>
  leadingZeroBits(sha256(`${id}:${solution}`)) >= difficulty;

/** What a client runs (also used by tests and the replay lab). */
export function solveChallenge(sha256: Sha256, id: string, difficulty: number): string {
  for (let n = 0; ; n++) if (powValid(sha256, id, String(n), difficulty)) return String(n);
}
