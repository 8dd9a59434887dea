/**
 * The replay lab's loophole run, the flash sale and every attack variant at several seeds, one
 * line each: time to alert and pause, ring value granted / attempted, legit false positives,
 * swept-in and ring classification. `npx tsx bench/replay-matrix.ts [--seeds 2019,1,2,3] [--variants none,flash-sale,...] [--json FILE]`
 */
import { writeFile } from 'node:fs/promises';
import { replayPdd2019, type ReplayReport, type Variant } from '../src/sim/index.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const seeds = arg('seeds', '2019,1,2,3').split(',').map(Number);
const variants = arg('variants', 'none,flash-sale,slow-drip,camouflage,rotating,bought-identities,combined').split(',') as Variant[];
const json = arg('json', '');

const secs = (ms: number | null) => (ms === null ? '—' : ms < 120_000 ? `${ms / 1000} s` : `${Math.round(ms / 60_000)} min`);
const rows: object[] = [];
console.log('variant | seed | alert | pause | ring granted / attempted | ring held | legit FP | swept-in as swept-in | ring as ring | wall');
for (const v of variants)
  for (const seed of seeds) {
    const r: ReplayReport = await replayPdd2019({ seed, scale: 1, historyDays: 2, hoursAfterAttack: 3, config: 'loophole', variant: v });
    const g = r.ledgers.ring;
    const share = g.attemptedFen ? ((100 * g.grantedFen) / g.attemptedFen).toFixed(2) : '—';
    const c = r.classification;
    const line = [
      v,
      seed,
      secs(r.detection.firstAlertAfterMs),
      secs(r.detection.pauseAfterMs) + (v === 'flash-sale' ? ` (${r.detection.pauses.length} pauses)` : ''),
      `${g.granted}/${g.attempts} = ${share} %`,
      g.held,
      `${(r.legit.falsePositiveRate * 100).toFixed(2)} % (${r.legit.denied}d ${r.legit.challenged}c of ${r.legit.claims})`,
      c.sweptIn ? `${c.sweptIn.asSweptIn}/${c.sweptIn.total}` : '—',
      c.ring ? `${c.ring.asRing}/${c.ring.total}` : '—',
      `${(r.wallMs / 1000).toFixed(1)} s`,
    ];
    console.log(line.join(' | '));
    rows.push({ variant: v, seed, detection: r.detection, ring: g, legit: r.legit, sweptIn: r.ledgers.swept_in, classification: c });
  }
if (json) await writeFile(json, JSON.stringify(rows, null, 2));
