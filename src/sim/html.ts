/** The report as one self-contained HTML page: the summary and a chart (inline SVG, no scripts). */
import { summary, type ReplayReport } from './report.js';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

/** Face value granted per minute per coupon type, with the attack, first alert and pause marked. */
export function chartSvg(r: ReplayReport, width = 960, height = 320): string {
  const pad = { l: 70, r: 160, t: 20, b: 40 };
  const types = Object.keys(r.series).sort();
  const minutes = Math.max(1, ...types.map((t) => r.series[t]!.length));
  const max = Math.max(1, ...types.flatMap((t) => r.series[t]!));
  const x = (m: number) => pad.l + (m / minutes) * (width - pad.l - pad.r);
  const y = (v: number) => height - pad.b - (v / max) * (height - pad.t - pad.b);
  const lines = types.map((t, i) => {
    const pts = r.series[t]!.map((v, m) => `${x(m).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const color = COLORS[i % COLORS.length]!;
    return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts}"/><text x="${width - pad.r + 8}" y="${pad.t + 14 * (i + 1)}" fill="${color}" font-size="12">${esc(t)}</text>`;
  });
  const mark = (afterMs: number | null, label: string, color: string, dy: number) => {
    if (afterMs === null) return '';
    const m = r.seriesAttackMinute + afterMs / 60_000;
    return `<line x1="${x(m)}" x2="${x(m)}" y1="${pad.t}" y2="${height - pad.b}" stroke="${color}" stroke-dasharray="4 3"/><text x="${x(m) + 4}" y="${pad.t + dy}" font-size="11" fill="${color}">${esc(label)}</text>`;
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<line x1="${pad.l}" x2="${width - pad.r}" y1="${height - pad.b}" y2="${height - pad.b}" stroke="#333"/>`,
    `<line x1="${pad.l}" x2="${pad.l}" y1="${pad.t}" y2="${height - pad.b}" stroke="#333"/>`,
    `<text x="4" y="${pad.t + 10}" font-size="11">¥${(max / 100).toFixed(0)}/min</text>`,
    `<text x="${pad.l}" y="${height - 10}" font-size="11">${esc(r.seriesFrom)} (China time), one point per minute</text>`,
    ...lines,
    mark(0, 'attack 01:00', '#000', 12),
    mark(r.detection.firstAlertAfterMs, 'first alert', '#ff7f0e', 26),
    mark(r.detection.pauseAfterMs, 'type paused', '#d62728', 40),
    '</svg>',
  ].join('');
}

export function reportHtml(reports: readonly ReplayReport[]): string {
  const body = reports
    .map((r) => `<h2>pdd-2019${r.variant === 'none' ? '' : ` (${esc(r.variant)})`} — ${esc(r.config)}</h2><p>Face value granted per coupon type per minute.</p>${chartSvg(r)}<pre>${esc(summary(r))}</pre>`)
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>couponguard replay</title><style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em;overflow-x:auto}</style></head><body><h1>couponguard replay lab</h1>${body}</body></html>\n`;
}
