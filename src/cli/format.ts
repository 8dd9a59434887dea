import type { Campaign, CampaignUsage } from '../core/campaigns/campaign.js';
import { isChannelLocked } from '../core/campaigns/campaign.js';
import type { Discount } from '../core/campaigns/template.js';
import type { CodeBatch } from '../core/codes/batch.js';
import { formatFen } from '../core/shared/money.js';
import { assertNever } from '../core/shared/result.js';
import { iso } from '../http/views.js';

/** Human-readable text for the terminal; `--json` prints the same views as the HTTP API instead. */

export function describeDiscount(d: Discount): string {
  switch (d.kind) {
    case 'fixed':
      return `${formatFen(d.amountFen)} off`;
    case 'threshold':
      return `${formatFen(d.amountFen)} off ${formatFen(d.thresholdFen)}`;
    case 'percent':
      return `${d.percent}% off, max ${formatFen(d.capFen)}${d.thresholdFen ? ` over ${formatFen(d.thresholdFen)}` : ''}`;
    default:
      return assertNever(d);
  }
}

export const campaignLine = (c: Campaign): string =>
  [
    c.id,
    c.state.padEnd(7),
    c.special ? '[special]' : '',
    c.name,
    `(${describeDiscount(c.template.discount)})`,
  ]
    .filter(Boolean)
    .join('  ');

export function campaignDetails(c: Campaign, usage?: CampaignUsage): string {
  const rows: [string, string][] = [
    ['id', c.id],
    ['name', c.name],
    ['state', c.state],
    ['discount', describeDiscount(c.template.discount)],
    ['special', String(c.special)],
    ['channels', `${c.channels.join(', ')}${isChannelLocked(c) ? ' (channel-locked)' : ''}`],
    [
      'requires',
      [c.requireCode && 'code', c.requireVerifiedIdentity && 'verified identity']
        .filter(Boolean)
        .join(', ') || '-',
    ],
    ['window', `${iso(c.startsAt)} .. ${iso(c.endsAt)}`],
    ['budget', `${c.budget.count} coupons, ${formatFen(c.budget.moneyFen)}`],
    [
      'limits',
      `per identity ${c.limits.perIdentity}, per account ${c.limits.perAccount}${c.limits.perPhone ? `, per phone ${c.limits.perPhone}` : ''}`,
    ],
  ];
  if (usage) rows.push(['granted', `${usage.grantedCount} coupons, ${formatFen(usage.grantedFen)}`]);
  return rows.map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n');
}

export const batchLine = (b: CodeBatch): string =>
  [
    b.id,
    `${b.count} codes`,
    `use limit ${b.useLimit}`,
    `expires ${iso(b.expiresAt)}`,
    b.revokedAt === null ? 'active' : `REVOKED ${iso(b.revokedAt)}`,
    JSON.stringify(b.event),
  ].join('  ');
