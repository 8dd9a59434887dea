import type { AccountClass } from './incident.js';

/**
 * The port ring detection plugs into (issue 5 builds it in src/core/rings). Incidents use it for
 * two things: a scope by ring ("every order of ring R"), and telling ring members from swept-in
 * consumers so that the leniency policy applies. Until it is wired in (`noRingDetection`), scopes
 * list accounts instead and an operator's list classifies them (`incident classify`).
 *
 * To plug ring detection in: implement this interface over its store and pass it where the
 * composition root builds incident deps (`src/app/job-handlers.ts`, `incidentDeps`).
 */
export interface RingSource {
  /** The accounts of each ring, or why rings cannot be resolved. */
  members(ringIds: readonly string[]): Promise<{ ok: true; accounts: ReadonlyMap<string, readonly string[]> } | { ok: false; reason: string }>;
  /** Ring detection's opinion on some accounts; accounts it has none on are left out. */
  classify(accountIds: readonly string[]): Promise<ReadonlyMap<string, { readonly class: AccountClass; readonly ring: string | null }>>;
}

export const noRingDetection: RingSource = {
  members: async () => ({ ok: false, reason: 'ring detection is not available yet: list the ring accounts instead (scope kind account, or incident classify)' }),
  classify: async () => new Map(),
};
