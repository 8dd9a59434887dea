import type { Campaign, CampaignUsage, Coupon } from '../core/campaigns/campaign.js';
import { effectiveStatus, isChannelLocked } from '../core/campaigns/campaign.js';
import type { CodeBatch } from '../core/codes/batch.js';
import type { Order } from '../core/orders/order.js';
import type { AuditEntry } from '../core/audit/audit.js';
import type { ClaimRecord } from '../core/claims/claim.js';
import { maskHash, maskIp, maskPhone } from '../core/identity/mask.js';
import type { Role } from '../ports/store.js';

/** Roles that may see personal data in clear (phone, IP); everyone else sees it masked. */
const PII_ROLES: readonly Role[] = ['admin', 'auditor'];

/** Times leave the API as ISO 8601 strings; inside they are epoch ms. */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Parses an ISO date-time the schema already checked; NaN cannot get here. */
export const ms = (s: string): number => Date.parse(s);

export const campaignView = (c: Campaign, usage?: CampaignUsage) => ({
  ...c,
  channelLocked: isChannelLocked(c),
  startsAt: iso(c.startsAt),
  endsAt: iso(c.endsAt),
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
  ...(usage ? { usage } : {}),
});

export const couponView = (c: Coupon, now: number) => ({
  ...c,
  status: effectiveStatus(c, now),
  validFrom: iso(c.validFrom),
  validTo: iso(c.validTo),
  grantedAt: iso(c.grantedAt),
  updatedAt: iso(c.updatedAt),
});

export const batchView = (b: CodeBatch) => ({
  ...b,
  expiresAt: iso(b.expiresAt),
  createdAt: iso(b.createdAt),
  revokedAt: iso(b.revokedAt),
});

/** Top-up targets and IPs are personal data: masked unless the role may see them (the shop's own key may). */
export const orderView = (o: Order, role: Role) => {
  const clear = PII_ROLES.includes(role) || role === 'client';
  const target = (t: string | null) => (t && !clear && t.startsWith('phone:') ? `phone:${maskPhone(t.slice(6))}` : t);
  return {
    ...o,
    items: o.items.map((i) => ({ ...i, topupTarget: target(i.topupTarget) })),
    ip: o.ip && !clear ? maskIp(o.ip) : o.ip,
    at: iso(o.at),
    updatedAt: iso(o.updatedAt),
  };
};

export const auditView = (e: AuditEntry) => ({ ...e, at: iso(e.at) });


export const claimView = (c: ClaimRecord, role: Role) => {
  const clear = PII_ROLES.includes(role);
  return {
    ...c,
    at: iso(c.at),
    phone: c.phone && !clear ? maskPhone(c.phone) : c.phone,
    ip: c.ip && !clear ? maskIp(c.ip) : c.ip,
    identityHash: c.identityHash && !clear ? maskHash(c.identityHash) : c.identityHash,
  };
};
