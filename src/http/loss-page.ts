import { LOSS_BUCKETS, type LossBucket, type LossTotals } from '../core/incidents/loss.js';
import type { IncidentLossReport } from '../core/incidents/report.js';
import { formatFen } from '../core/shared/money.js';

/**
 * The loss report as one self-contained HTML page (no scripts, no external assets): the numbers,
 * the two identities it must satisfy, and a stacked bar chart (inline SVG) of where the face
 * value granted went, in total and per campaign. Served by the API and written by the CLI.
 */
const COLORS: Record<LossBucket, string> = {
  fulfilled: '#c0392b',
  frozen: '#2e86c1',
  cancelled: '#27ae60',
  pending: '#e67e22',
  unusedOpen: '#95a5a6',
  unusedExpired: '#bdc3c7',
  unusedRevoked: '#5d6d7e',
};
const LABELS: Record<LossBucket, string> = {
  fulfilled: 'fulfilled (lost)',
  frozen: 'frozen (recoverable)',
  cancelled: 'cancelled (recovered)',
  pending: 'placed, not frozen (at risk)',
  unusedOpen: 'unused, still valid',
  unusedExpired: 'unused, expired',
  unusedRevoked: 'unused, revoked',
};

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function chart(rows: readonly { label: string; t: LossTotals }[]): string {
  const W = 720;
  const LABEL = 190;
  const BAR = 26;
  const max = Math.max(1, ...rows.map((r) => r.t.granted.faceFen));
  const bars = rows.map((r, i) => {
    let x = LABEL;
    const y = 10 + i * (BAR + 14);
    const segs = LOSS_BUCKETS.map((b) => {
      const w = ((W - LABEL - 10) * r.t.buckets[b].faceFen) / max;
      const seg = w > 0 ? `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${COLORS[b]}"><title>${esc(`${LABELS[b]}: ${r.t.buckets[b].count} coupons, ${formatFen(r.t.buckets[b].faceFen)} face value`)}</title></rect>` : '';
      x += w;
      return seg;
    }).join('');
    return `<text x="${LABEL - 8}" y="${y + BAR / 2 + 4}" text-anchor="end" font-size="12">${esc(r.label)}</text>${segs}`;
  });
  const h = 20 + rows.length * (BAR + 14);
  const legend = LOSS_BUCKETS.map((b, i) => `<rect x="${10 + (i % 4) * 178}" y="${h + Math.floor(i / 4) * 18}" width="12" height="12" fill="${COLORS[b]}"/><text x="${26 + (i % 4) * 178}" y="${h + 10 + Math.floor(i / 4) * 18}" font-size="11">${LABELS[b]}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h + 40}" role="img" aria-label="Face value granted, by what became of it">${bars.join('')}${legend}</svg>`;
}

const cellRow = (label: string, c: { count: number; faceFen: number; discountFen: number }) =>
  `<tr><td>${esc(label)}</td><td class="n">${c.count.toLocaleString('en')}</td><td class="n">${formatFen(c.faceFen)}</td><td class="n">${formatFen(c.discountFen)}</td></tr>`;

export function lossPage(r: IncidentLossReport): string {
  const check = (ok: boolean) => (ok ? '<span class="ok">✓ holds</span>' : '<span class="bad">✗ does not hold</span>');
  const rows = [{ label: 'all coupons', t: r as LossTotals }, ...r.byCampaign.map((c) => ({ label: c.campaignId, t: c as LossTotals }))];
  const orders = r.orders
    ? `<h2>Orders in scope</h2><table><tr><th>disposition</th><th>orders</th></tr>${Object.entries(r.orders)
        .map(([k, v]) => `<tr><td>${esc(k)}</td><td class="n">${Number(v).toLocaleString('en')}</td></tr>`)
        .join('')}</table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Loss report: ${esc(r.subject.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px}th{background:#f4f4f4}.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#1e8449}.bad{color:#c0392b;font-weight:bold}.big{font-size:20px}</style></head>
<body>
<h1>Loss report: ${esc(r.subject.title)}</h1>
<p>${esc(r.subject.kind)} <code>${esc(r.subject.id)}</code>, computed from the ledger at ${new Date(r.at).toISOString()}.</p>
<p class="big">Real loss so far: <b>${formatFen(r.realLossFen)}</b> (discount on fulfilled orders) · recoverable: <b>${formatFen(r.recoverableFen)}</b> (frozen) · recovered: <b>${formatFen(r.recoveredFen)}</b> (cancelled) · at risk: <b>${formatFen(r.atRiskFen)}</b></p>
${chart(rows)}
<h2>Coupons</h2>
<table><tr><th></th><th>coupons</th><th>face value</th><th>discount given</th></tr>
${cellRow('granted', r.granted)}${cellRow('redeemed', r.redeemed)}${LOSS_BUCKETS.slice(0, 4).map((b) => cellRow(`  ${LABELS[b]}`, r.buckets[b])).join('')}${cellRow('unused', r.unused)}${LOSS_BUCKETS.slice(4).map((b) => cellRow(`  ${LABELS[b]}`, r.buckets[b])).join('')}
</table>
<p>granted = redeemed + unused: ${check(r.checks.grantedIsRedeemedPlusUnused)}<br>redeemed = fulfilled + frozen + cancelled + not yet frozen: ${check(r.checks.redeemedIsFulfilledFrozenCancelledPending)}</p>
${orders}
</body></html>
`;
}
