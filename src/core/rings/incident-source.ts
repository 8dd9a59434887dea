/**
 * Ring detection as the incidents' `RingSource` (src/core/incidents/rings.ts): a ring scope
 * resolves to the ring's member accounts, and incident accounts get ring detection's word —
 * `ring_member` for members of the current run's rings, `swept_in` for accounts with no strong
 * link into any ring and an ordinary history (see classify.ts). Ring-linked and undetermined
 * accounts are left to the operator.
 */
import type { AccountClass } from '../incidents/incident.js';
import type { RingSource } from '../incidents/rings.js';
import type { CoreDeps } from '../deps.js';
import type { AccountId } from '../shared/ids.js';
import { classifyClaimant } from './classify.js';
import type { RingId } from './ring.js';
import { allMembers, ringLinks } from './use-cases.js';

export function ringSource(d: Pick<CoreDeps, 'store'>): RingSource {
  return {
    members: async (ringIds) => {
      const accounts = new Map<string, readonly string[]>();
      for (const id of ringIds) {
        if (!(await d.store.rings.get(id as RingId))) return { ok: false, reason: `ring ${id} not found (see GET /v1/rings or couponguard rings list)` };
        accounts.set(id, (await allMembers(d, id as RingId)).map((m) => m.accountId));
      }
      return { ok: true, accounts };
    },
    classify: async (accountIds) => {
      const out = new Map<string, { class: AccountClass; ring: string | null }>();
      if (!(await d.store.rings.currentRun())) return out;
      for (const id of accountIds) {
        const accountId = id as AccountId;
        // The account's first claim gives the contact details and the moment its history is read at.
        const first = (await d.store.claims.list({ accountId, limit: 1 })).items[0];
        const record = await d.store.accounts.get(accountId);
        const { ring, links } = await ringLinks(d, {
          accountId,
          phones: [first?.phone, record?.phone].filter((x): x is string => !!x),
          devices: first?.deviceId ? [first.deviceId] : [],
          identities: [first?.identityHash, record?.identityHash].filter((x): x is string => !!x),
        });
        const c = classifyClaimant({
          accountId,
          firstClaimAt: first?.at ?? record?.lastSeenAt ?? 0,
          claims: first ? 1 : 0,
          code: null,
          accountCreatedAt: first?.accountCreatedAt ?? null,
          record,
          ring,
          links,
        });
        if (c.class === 'ring_member' || c.class === 'swept_in') out.set(id, { class: c.class, ring: c.ringId });
      }
      return out;
    },
  };
}
