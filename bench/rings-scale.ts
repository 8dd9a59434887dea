/**
 * Ring detection at scale: a generated platform of 1,000,000 accounts and 5,000,000 links (see
 * bench/rings/scale-graph.ts), built into the link graph and run through the whole detector
 * (rewired null, Louvain, peeling, growing, components, ring objects). Budget: 60 s and 4 GiB on
 * this machine. Prints a progress line per phase on stderr and a Markdown table on stdout.
 *
 *   npx tsx bench/rings-scale.ts [--accounts 1000000] [--links 5000000] [--seed 1] [--json out.json]
 *   npx tsx bench/rings-scale.ts --seeds 3     (seeds 1..3, each in its own process; one table)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { findRings } from '../src/core/rings/find-rings.js';
import { LinkGraphBuilder } from '../src/core/rings/link-graph.js';
import { ringsFromFinding, type RingRunId } from '../src/core/rings/ring.js';
import { generateScaleGraph } from './rings/scale-graph.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;
const f = (x: number, d = 1) => x.toFixed(d);

if (process.argv.includes('--seeds')) {
  // One process per seed, so that each run's peak RSS is its own; then one table.
  const n = arg('seeds', 3);
  const dir = mkdtempSync(join(tmpdir(), 'rings-scale-'));
  const rows: string[] = [];
  for (let seed = 1; seed <= n; seed++) {
    const out = join(dir, `${seed}.json`);
    const started = Date.now();
    const pass = ['--accounts', String(arg('accounts', 1_000_000)), '--links', String(arg('links', 5_000_000))];
    execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, ...pass, '--seed', String(seed), '--json', out], { stdio: ['ignore', 'ignore', 'inherit'] });
    const wall = (Date.now() - started) / 1000;
    const r = JSON.parse(readFileSync(out, 'utf8')) as { seconds: { build: number; total: number }; peakRssGiB: number; rings: { planted: number; flagged: number; found: number; small: number; foundSmall: number }; accounts: { precision: number; recall: number } };
    rows.push(
      `| ${seed} | ${f(r.seconds.build)} s | ${f(r.seconds.total)} s | ${f(wall)} s | ${f(r.peakRssGiB, 2)} GiB | ${r.rings.planted} / ${r.rings.flagged} / ${r.rings.found} | ${r.rings.foundSmall} of ${r.rings.small} | ${f(r.accounts.precision, 3)} / ${f(r.accounts.recall, 3)} |`,
    );
  }
  console.log(
    [
      '| seed | build graph | detect, total | wall incl. generation | peak RSS | rings planted / flagged / found whole (≥ 95 % in one ring) | rings < 50 accounts found whole | planted accounts: precision / recall |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
    ].join('\n'),
  );
  process.exit(0);
}
const spec = { accounts: arg('accounts', 1_000_000), links: arg('links', 5_000_000), seed: arg('seed', 1), ringShare: 0.01 };

const GiB = 1024 ** 3;
let peakRss = 0;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};
const sampler = setInterval(sample, 50);
const log = (s: string) => process.stderr.write(`${s}\n`);
const t = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/** A one-line progress display per phase (redrawn in place on a terminal). */
function progress(prefix: string, started: number) {
  let last = '';
  let lastAt = 0;
  return (phase: string, done: number, total: number) => {
    sample();
    const now = performance.now();
    if (phase === last && now - lastAt < 250 && done < total) return;
    lastAt = now;
    const pct = total > 0 ? ` ${Math.floor((100 * done) / total)}%` : '';
    const line = `${prefix} ${t(started)}s  ${phase}${pct} (${done.toLocaleString('en')}/${total.toLocaleString('en')})  rss ${(process.memoryUsage.rss() / GiB).toFixed(2)} GiB`;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}${done >= total ? '\n' : ''}`);
    else if (phase !== last || done >= total) log(line);
    last = phase;
  };
}

log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / GiB).toFixed(0)} GiB, node ${process.version}`);
log(`generating ${spec.accounts.toLocaleString('en')} accounts, ${spec.links.toLocaleString('en')} links (seed ${spec.seed}) …`);
const g0 = performance.now();
const b = new LinkGraphBuilder();
const genProgress = progress('[generate]', g0);
const planted = generateScaleGraph(b, spec, (d, n) => genProgress('accounts', d, n));
const generateS = (performance.now() - g0) / 1000;

// The timed part: what a detection run does once the facts are read.
const start = performance.now();
const p = progress('[detect]', start);
p('build graph', 0, 1);
const lg = b.build();
const buildS = (performance.now() - start) / 1000;
p('build graph', 1, 1);
const phaseAt: Record<string, number> = {};
const finding = findRings(lg, {}, (phase, d, n) => {
  phaseAt[phase] ??= (performance.now() - start) / 1000;
  p(phase, d, n);
});
const records = ringsFromFinding(lg, finding, 'rrun_bench' as RingRunId);
const totalS = (performance.now() - start) / 1000;
sample();
clearInterval(sampler);

// Quality against the planted rings: a planted ring is found when one ring holds ≥ 95 % of it.
const ringOf = (a: string) => (a.startsWith('r') ? Number(a.slice(1, a.indexOf('-'))) : -1);
let tp = 0;
let fp = 0;
const found = new Set<number>();
for (const r of records) {
  const counts = new Map<number, number>();
  for (const m of r.members) {
    const k = ringOf(m.accountId);
    if (k < 0) fp++;
    else {
      tp++;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  for (const [k, n] of counts) if (n >= 0.95 * planted.ringSizes[k]!) found.add(k);
}
const small = planted.ringSizes.map((s, k) => ({ s, k })).filter((x) => x.s < 50);
const result = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', memGiB: Math.round(totalmem() / GiB), node: process.version },
  spec,
  graph: { accounts: lg.graph.rows, things: lg.graph.cols, distinctLinks: lg.graph.rowAdj.length, linkFacts: planted.links, droppedThings: lg.droppedThings },
  seconds: { generate: generateS, build: buildS, total: totalS, phases: phaseAt },
  peakRssGiB: peakRss / GiB,
  rings: { planted: planted.ringSizes.length, plantedAccounts: planted.ringAccounts, flagged: records.length, found: found.size, foundSmall: [...found].filter((k) => planted.ringSizes[k]! < 50).length, small: small.length },
  accounts: { precision: tp / Math.max(1, tp + fp), recall: tp / planted.ringAccounts, falsePositives: fp },
  threshold: finding.dense.threshold,
};
console.log(
  [
    '| accounts | link facts | distinct links (after dropping unshared things) | build graph | detect (total) | peak RSS | rings planted / flagged / found whole | planted-account precision / recall |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${spec.accounts.toLocaleString('en')} | ${planted.links.toLocaleString('en')} | ${lg.graph.rowAdj.length.toLocaleString('en')} | ${f(buildS)} s | ${f(totalS)} s | ${f(result.peakRssGiB, 2)} GiB | ${planted.ringSizes.length} / ${records.length} / ${found.size} | ${f(result.accounts.precision, 3)} / ${f(result.accounts.recall, 3)} |`,
  ].join('\n'),
);
log(`phases (s from start): ${Object.entries(phaseAt).map(([k, v]) => `${k} ${f(v)}`).join(', ')}`);
log(`generation (not timed): ${f(generateS)} s; small rings (< 50 accounts) found whole: ${result.rings.foundSmall} of ${result.rings.small}; bar ${f(result.threshold)}`);
log(totalS <= 60 && result.peakRssGiB <= 4 ? 'within budget (60 s, 4 GiB)' : 'OVER BUDGET (60 s, 4 GiB)');
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2));
