/**
 * Ring membership for the claim and order paths, read from the store's current detection run:
 * the account is a member, or it shares a strong thing with a ring (an account the farm created
 * after the run, on the same rack of devices or the same run of numbers, is caught at once).
 */
import type { RingSignals } from '../../ports/rings.js';
import type { Store } from '../../ports/store.js';
import type { AccountId } from '../shared/ids.js';
import { ringLinks } from './use-cases.js';

export function storeRingSignals(store: Store): RingSignals {
  const d = { store };
  return {
    lookup: async (p) => {
      const { ring, links } = await ringLinks(d, {
        accountId: p.accountId as AccountId,
        phones: p.phone ? [p.phone] : [],
        devices: p.deviceId ? [p.deviceId] : [],
        identities: p.identityHashes,
        targets: p.targets ?? [],
      });
      return { member: ring !== null, score: ring?.score ?? 0, linked: links.length > 0 };
    },
  };
}
