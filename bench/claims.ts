/**
 * bench:claims — claims/s and latency of POST /v1/claims over HTTP on the embedded SQLite store,
 * next to a bare Fastify JSON route measured in the same run on the same machine.
 *
 *   npm run bench:claims                         # 64 connections, 3 s warm-up, 10 s measured
 *   npm run bench:claims -- --duration 20 --connections 32 --warmup 5
 *   npm run bench:claims -- --rounds 3              # baseline/FULL/NORMAL three times, interleaved; medians
 *   npm run bench:claims -- --only full --profile   # CPU profile of the server's measured window
 *   npm run bench:claims -- --only baseline,full,full-norisk   # what the risk engine costs
 *   npm run bench:claims -- --only full --rate 500,1000,2000,3000  # + latency at stated loads (open loop)
 *
 * Env overrides: BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_ROUNDS, BENCH_WAIT_QUIET.
 * Before each server the bench waits (up to --wait-quiet seconds, default 60; 0 = never) for other
 * processes to leave the CPU alone, and it reports the CPU others took during every window. See bench/README.md.
 *
 * Each server runs alone in its own child process (node --import tsx bench/fixtures/...); the load
 * generator (autocannon) runs here. Every claim is a distinct person with its own Idempotency-Key,
 * so every one must be answered 200 with decision "allow"; anything else is counted and printed,
 * and a run with any error makes the whole bench fail (exit code 1).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Fixture } from './lib/child.js';
import { claimBody, idempotencyKey } from './lib/claim-requests.js';
import { runLoad, type LoadResult, type NextRequest } from './lib/load.js';
import { cpuTimes, describeMachine, machine, processTimes, topOthers, waitForQuiet } from './lib/machine.js';
import { summarizeProfile } from './lib/profile.js';
import { PROFILE_DIR_ENV, type ReadyMessage, type StatsMessage } from './lib/protocol.js';
import { fmt, fmtInt, table } from './lib/stats.js';

type Target = 'baseline' | 'full' | 'normal' | 'full-norisk' | 'full-inline';
const TARGETS: readonly Target[] = ['baseline', 'full', 'normal', 'full-norisk', 'full-inline'];
/** What runs without --only: the baseline and the two durability settings, default config otherwise. */
const DEFAULT_TARGETS: readonly Target[] = ['baseline', 'full', 'normal'];

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'wait-quiet': { type: 'string' },
    json: { type: 'string' },
    rate: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(`usage: npm run bench:claims -- [--duration s] [--warmup s] [--connections n] [--rounds n] [--wait-quiet s|0] [--only baseline,full,normal,full-norisk,full-inline] [--rate r1,r2,...] [--profile] [--json file]`);
  process.exit(0);
}

function num(name: string, flag: string | undefined, env: string | undefined, dflt: number): number {
  const raw = flag ?? env;
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
}
const durationS = num('--duration', flags.duration, process.env.BENCH_DURATION, 10);
const warmupS = num('--warmup', flags.warmup, process.env.BENCH_WARMUP, 3);
const waitQuietS = flags['wait-quiet'] === '0' ? 0 : num('--wait-quiet', flags['wait-quiet'], process.env.BENCH_WAIT_QUIET, 60);
const rounds = Math.round(num('--rounds', flags.rounds, process.env.BENCH_ROUNDS, 1));
const connections = Math.round(num('--connections', flags.connections, process.env.BENCH_CONNECTIONS, 64));
const only = (flags.only ?? DEFAULT_TARGETS.join(',')).split(',').map((s) => s.trim().toLowerCase());
for (const t of only) if (!TARGETS.includes(t as Target)) throw new Error(`--only takes ${TARGETS.join(', ')}; got ${t}`);
const selected = TARGETS.filter((t) => only.includes(t));
/** Stated loads (requests/s, all connections together): after the saturating run, one run at each. */
const rates = (flags.rate ?? '')
  .split(',')
  .filter(Boolean)
  .map((r) => {
    const n = Number(r);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--rate takes positive numbers, got ${r}`);
    return n;
  });

const LABEL: Record<Target, string> = {
  baseline: 'baseline: bare Fastify JSON POST',
  full: 'claims, SQLite synchronous=FULL (default; survives power loss)',
  normal: 'claims, SQLite synchronous=NORMAL (survives process crash only)',
  'full-norisk': 'claims, SQLite synchronous=FULL, risk engine off (COUPONGUARD_RISK=off; diagnostic)',
  'full-inline': 'claims, SQLite synchronous=FULL, claims committed on the serving thread (COUPONGUARD_SQLITE_WRITER=inline; diagnostic)',
};
const SHORT: Record<Target, string> = {
  baseline: 'baseline (bare Fastify)',
  full: 'claims FULL',
  normal: 'claims NORMAL',
  'full-norisk': 'claims FULL, risk off',
  'full-inline': 'claims FULL, inline writer',
};

interface RunOutcome {
  readonly target: Target;
  readonly ready: ReadyMessage;
  readonly warmup: LoadResult;
  readonly load: LoadResult;
  readonly server: StatsMessage;
  readonly dbCheck: string | null;
  /** CPU of the whole machine in the measured window, in cores: busy, and busy minus bench + server. */
  readonly machineBusyCores: number;
  readonly otherCores: number;
  /** Runs at stated loads (--rate), in order. */
  readonly atRates: readonly { readonly rate: number; readonly load: LoadResult }[];
}

const profileDir = flags.profile ? join(tmpdir(), `couponguard-bench-profiles-${Date.now()}`) : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });

function requestsFor(target: Target, ready: ReadyMessage): { next: () => NextRequest; judge: (s: number, b: string) => string | null; issued: () => number } {
  // The baseline gets the very same bodies and headers, so both sides do the same client work.
  const campaignId = ready.campaignId ?? 'cmp_01HZX3M0000000000000000000';
  const bearer = `Bearer ${ready.apiKey ?? 'cg_' + 'x'.repeat(43)}`;
  const run = `${target[0]}${Date.now().toString(36)}`;
  let i = 0;
  return {
    next: () => {
      const n = i++;
      return {
        body: JSON.stringify(claimBody(campaignId, run, n)),
        headers: { 'content-type': 'application/json', authorization: bearer, 'idempotency-key': idempotencyKey(run, n) },
      };
    },
    judge: (_status, body) => {
      let parsed: { decision?: unknown; reasons?: { code?: unknown }[] };
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        return `unparseable 2xx body: ${body.slice(0, 80)}`;
      }
      if (parsed.decision === 'allow') return null;
      return `decision ${String(parsed.decision)} (${(parsed.reasons ?? []).map((r) => String(r.code)).join(', ')})`;
    },
    issued: () => i,
  };
}

/** Other processes using more than this many cores during a window make it suspect. */
const NOISE_CORES = 0.15;

const errorCount = (r: LoadResult): number => r.non2xx + r.bad2xx + r.errors + r.timeouts;
const failed = (r: LoadResult): boolean => errorCount(r) > 0;

function describeLoad(name: string, r: LoadResult): string {
  const lines = [
    `  ${name}: ${fmtInt(r.responses)} responses in ${fmt(r.elapsedS, 1)} s → ${fmtInt(r.goodPerSec)} good/s;` +
      ` latency ms p50 ${fmt(r.latency.p50)} p90 ${fmt(r.latency.p90)} p99 ${fmt(r.latency.p99)} p99.9 ${fmt(r.latency.p999)} max ${fmt(r.latency.max)}` +
      ` (autocannon, whole ms: p50 ${r.autocannon.p50} p99 ${r.autocannon.p99})`,
    `    load generator CPU ${fmt(r.loaderCpu * 100, 0)}% of a core; good ${fmtInt(r.good)}, non-2xx ${r.non2xx}, 2xx-not-allow ${r.bad2xx}, errors ${r.errors}, timeouts ${r.timeouts}`,
  ];
  for (const [label, n] of [...r.problems].sort((a, b) => b[1] - a[1]).slice(0, 10)) lines.push(`    !! ${n} × ${label}`);
  return lines.join('\n');
}

async function runTarget(target: Target): Promise<RunOutcome> {
  if (waitQuietS > 0) {
    const q = await waitForQuiet(waitQuietS, NOISE_CORES);
    if (!q.quiet) console.log(`\n!! the machine is busy (other processes use ${fmt(q.busyCores * 100, 0)}% CPU) after waiting ${fmt(q.waitedS, 0)} s; measuring anyway`);
    else if (q.waitedS > 3) console.log(`\n(waited ${fmt(q.waitedS, 0)} s for the machine to be quiet)`);
  }
  const env: Record<string, string | undefined> =
    target === 'baseline'
      ? {}
      : // FULL and the risk engine are the defaults: no stray setting in the shell may override them.
        {
          COUPONGUARD_SQLITE_SYNCHRONOUS: target === 'normal' ? 'NORMAL' : undefined,
          COUPONGUARD_RISK: target === 'full-norisk' ? 'off' : undefined,
          COUPONGUARD_SQLITE_WRITER: target === 'full-inline' ? 'inline' : undefined,
        };
  if (profileDir && target !== 'baseline') env[PROFILE_DIR_ENV] = profileDir;
  const fixture = await Fixture.start(target === 'baseline' ? 'baseline-server' : 'claims-server', env);
  try {
    const { ready } = fixture;
    console.log(`\n== ${LABEL[target]} (server pid ${fixture.pid}, port ${ready.port})`);
    if (ready.sqlite) {
      console.log(
        `  SQLite: synchronous=${ready.sqlite.synchronous}, journal_mode=${ready.sqlite.journalMode}, fresh file ${ready.sqlite.path}; risk engine ${ready.riskEngine ? 'on' : 'off'}`,
      );
      const want = target === 'normal' ? 'NORMAL' : 'FULL';
      if (ready.sqlite.synchronous !== want) throw new Error(`expected synchronous=${want}, server reports ${ready.sqlite.synchronous}`);
    }
    const reqs = requestsFor(target, ready);
    const base = { url: `http://127.0.0.1:${ready.port}`, path: '/v1/claims', connections, next: reqs.next, judge: reqs.judge };
    const warmup = await runLoad({ ...base, durationS: warmupS });
    console.log(describeLoad(`warm-up ${warmupS} s`, warmup));
    await fixture.mark();
    const cpu0 = cpuTimes();
    const procs0 = processTimes();
    const own0 = process.cpuUsage();
    const load = await runLoad({ ...base, durationS });
    const server = await fixture.stats();
    const cpu1 = cpuTimes();
    const procs1 = processTimes();
    const own = process.cpuUsage(own0);
    console.log(describeLoad(`measured ${durationS} s`, load));
    // Anything else running on the machine competes with the server for the 2 cores: measure it.
    const machineBusyCores = (cpu1.busyMs - cpu0.busyMs) / server.wallMs;
    const otherCores = machineBusyCores - (server.cpuUserMs + server.cpuSystemMs + (own.user + own.system) / 1000) / server.wallMs;
    console.log(
      `  machine: ${fmt(machineBusyCores * 100, 0)}% CPU busy in the window (of ${m.cores * 100}%); other processes ${fmt(Math.max(0, otherCores) * 100, 0)}%` +
        (otherCores > NOISE_CORES ? `  !! the machine was NOT quiet: numbers are pessimistic, re-run when it is` : ''),
    );
    if (otherCores > NOISE_CORES) {
      const top = topOthers(procs0, procs1, server.wallMs, [process.pid, fixture.pid]).filter((p) => p.cores >= 0.02);
      for (const p of top) console.log(`    other: pid ${p.pid} ${fmt(p.cores * 100, 0)}%  ${p.name.slice(0, 110)}`);
      if (!top.length) console.log('    (no other process shows up in /proc: kernel work — I/O, loopback networking — or processes that came and went)');
    }
    const cpu = (server.cpuUserMs + server.cpuSystemMs) / server.wallMs;
    console.log(
      `  server process: CPU ${fmt(cpu * 100, 0)}% of a core (user ${fmt((server.cpuUserMs / server.wallMs) * 100, 0)}%, system ${fmt((server.cpuSystemMs / server.wallMs) * 100, 0)}%), event-loop utilization ${fmt(server.elu * 100, 0)}%`,
    );
    let dbCheck: string | null = null;
    if (server.db) {
      const allowed = warmup.good + load.good;
      const sent = reqs.issued();
      console.log(
        `  database: ${fmtInt(server.db.claims)} claims (${Object.entries(server.db.decisions).map(([d, n]) => `${d} ${fmtInt(n)}`).join(', ')}), campaign granted ${fmtInt(server.db.granted)};` +
          ` file ${fmt(server.db.dbBytes / 2 ** 20, 1)} MiB, WAL ${fmt(server.db.walBytes / 2 ** 20, 1)} MiB`,
      );
      const w = server.db.writer;
      if (w && w.transactions > 0) {
        const sizes = w.batchSizes
          .map((n, i) => [n, i] as const)
          .filter(([n]) => n > 0)
          .map(([n, i]) => `${i === 0 ? '1' : `${2 ** i}–${2 ** (i + 1) - 1}`}: ${fmt((n / w.transactions) * 100, 0)}%`)
          .join(', ');
        console.log(
          `  writer thread in the window: ${fmtInt(w.transactions)} group commits, ${fmt(w.claims / w.transactions, 1)} claims each on average (${sizes});` +
            ` per claim ${fmt((w.statementsMs * 1000) / w.claims, 0)} µs in statements + ${fmt((w.commitMs * 1000) / w.claims, 0)} µs in COMMIT;` +
            ` per COMMIT ${fmt(w.commitMs / w.transactions, 2)} ms (with its fsync);` +
            ` thread busy ${fmt(((w.statementsMs + w.commitMs) / server.wallMs) * 100, 0)}% of the window`,
        );
      }
      const tx = server.db.tx;
      if (tx && tx.count > 0 && !(w && w.transactions > 0))
        console.log(
          `  write transactions in the window: ${fmtInt(tx.count)}, ${fmt(tx.claims / tx.count, 1)} claims each on average;` +
            ` each held the event loop p50 ${fmt(tx.p50Ms)} ms, p99 ${fmt(tx.p99Ms)} ms, max ${fmt(tx.maxMs)} ms;` +
            ` ${fmt((tx.totalMs / server.wallMs) * 100, 0)}% of the window (${fmt((tx.totalMs * 1000) / Math.max(1, tx.claims), 0)} µs per claim)`,
        );
      // Requests still in flight when autocannon stops may be committed without us seeing the answer.
      const inFlightSlack = 2 * connections;
      if (server.db.granted < allowed || server.db.granted > allowed + inFlightSlack || server.db.granted > sent)
        dbCheck = `database granted ${server.db.granted} but clients saw ${allowed} allow answers (${sent} requests built)`;
      if (server.db.claims !== server.db.granted) dbCheck = `database holds ${server.db.claims} claims but only ${server.db.granted} grants`;
      if (dbCheck) console.log(`  !! ${dbCheck}`);
    }
    if (server.profilePath) console.log(`  CPU profile of the measured window: ${server.profilePath}`);
    const atRates: RunOutcome['atRates'][number][] = [];
    for (const rate of rates) {
      const r = await runLoad({ ...base, durationS, rate });
      console.log(describeLoad(`at a stated load of ${fmtInt(rate)}/s, ${durationS} s`, r));
      atRates.push({ rate, load: r });
    }
    return { target, ready, warmup, load, server, dbCheck, machineBusyCores, otherCores, atRates };
  } finally {
    await fixture.stop();
  }
}

/** Which code is measured: the commit, and whether src/ has changes on top of it. */
function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return dirty ? `git ${head} + ${dirty} uncommitted change(s) in src/` : `git ${head} (src/ clean)`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

const m = machine();
const date = new Date().toISOString();
const code = codeVersion();
console.log(`couponguard bench:claims — ${date}`);
console.log(`machine: ${describeMachine(m)}`);
console.log(`code: ${code}`);
console.log(
  `settings: ${connections} connections, ${warmupS} s warm-up + ${durationS} s measured per server, ${rounds} round(s), one server at a time; autocannon in this process`,
);

const outcomes: (RunOutcome & { round: number })[] = [];
for (let round = 1; round <= rounds; round++) {
  if (rounds > 1) console.log(`\n######## round ${round} of ${rounds}`);
  for (const t of selected) outcomes.push({ ...(await runTarget(t)), round });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
interface Row {
  readonly okPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly good: number;
  readonly responses: number;
  readonly errors: number;
  readonly otherCores: number;
  readonly rounds: readonly number[];
}
/**
 * Medians over the least disturbed rounds: those where other processes took at most NOISE_CORES
 * more CPU than in the quietest round (on a quiet machine: the quiet rounds).
 */
const rowOf = (all: readonly (RunOutcome & { round: number })[]): Row => {
  const quietest = Math.min(...all.map((o) => Math.max(0, o.otherCores)));
  const runs = all.filter((o) => o.otherCores <= Math.max(NOISE_CORES, quietest + NOISE_CORES));
  return {
    okPerSec: median(runs.map((o) => o.load.goodPerSec)),
    p50: median(runs.map((o) => o.load.latency.p50)),
    p99: median(runs.map((o) => o.load.latency.p99)),
    good: all.reduce((n, o) => n + o.load.good, 0),
    responses: all.reduce((n, o) => n + o.load.responses, 0),
    errors: all.reduce((n, o) => n + errorCount(o.load) + errorCount(o.warmup), 0),
    otherCores: Math.max(...runs.map((o) => o.otherCores)),
    rounds: runs.map((o) => o.round),
  };
};
const rowsByTarget = new Map(selected.map((t) => [t, rowOf(outcomes.filter((o) => o.target === t))]));
const baseRow = rowsByTarget.get('baseline');

if (rounds > 1) {
  console.log(`\n== every round`);
  console.log(
    table(
      ['round', 'run', 'ok/s', 'p50 ms', 'p99 ms', 'ratio to same round', 'other CPU'],
      outcomes.map((o) => {
        const b = outcomes.find((x) => x.round === o.round && x.target === 'baseline');
        return [String(o.round), SHORT[o.target], fmtInt(o.load.goodPerSec), fmt(o.load.latency.p50), fmt(o.load.latency.p99), b ? fmt(o.load.goodPerSec / b.load.goodPerSec) : 'n/a', `${fmt(Math.max(0, o.otherCores) * 100, 0)}%`];
      }),
    ),
  );
}
console.log(
  `\n== results (${connections} connections, ${durationS} s measured${rounds > 1 ? `, medians over the least disturbed rounds` : ''}; ok/s counts only 200 + allow; latency of every response)`,
);
console.log(
  table(
    ['run', 'ok/s', 'p50 ms', 'p99 ms', 'baseline/s', 'ratio', 'ok/responses', 'errors', ...(rounds > 1 ? ['rounds used'] : []), 'others, max'],
    [...rowsByTarget].map(([t, r]) => [
      SHORT[t],
      fmtInt(r.okPerSec),
      fmt(r.p50),
      fmt(r.p99),
      baseRow ? fmtInt(baseRow.okPerSec) : 'n/a',
      baseRow ? fmt(r.okPerSec / baseRow.okPerSec) : 'n/a',
      `${fmtInt(r.good)}/${fmtInt(r.responses)}`,
      String(r.errors),
      ...(rounds > 1 ? [r.rounds.join(',')] : []),
      `${fmt(Math.max(0, r.otherCores) * 100, 0)}%`,
    ]),
  ),
);

let targetMet: boolean | null = null;
for (const [t, r] of rowsByTarget) {
  if (t === 'baseline' || !baseRow) continue;
  const ratio = r.okPerSec / baseRow.okPerSec;
  const ok = ratio >= 0.5 && r.p99 <= 10;
  if (t === 'full') targetMet = ok;
  console.log(
    `${SHORT[t].padEnd(14)} claims/s ÷ baseline/s = ${fmtInt(r.okPerSec)} / ${fmtInt(baseRow.okPerSec)} = ${fmt(ratio)};` +
      ` p99 claims ${fmt(r.p99)} ms, baseline ${fmt(baseRow.p99)} ms` +
      ` → target (ratio ≥ 0.5 and claim p99 ≤ 10 ms) ${ok ? 'MET' : 'MISSED'}${t === 'normal' ? ' (NORMAL is not the default)' : ''}`,
  );
}
if (rates.length) {
  console.log(`\n== latency at stated loads (open loop: autocannon paces ${connections} connections to the rate; p99 of every response)`);
  console.log(
    table(
      ['run', 'round', 'stated/s', 'ok/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors', 'p99 ≤ 10 ms'],
      outcomes.flatMap((o) =>
        o.atRates.map(({ rate, load }) => [
          SHORT[o.target],
          String(o.round),
          fmtInt(rate),
          fmtInt(load.goodPerSec),
          fmt(load.latency.p50),
          fmt(load.latency.p99),
          fmt(load.latency.p999),
          String(errorCount(load)),
          load.latency.p99 <= 10 && load.goodPerSec >= rate * 0.95 ? 'yes' : 'no',
        ]),
      ),
    ),
  );
}
console.log('FULL = fsync on every commit: an acknowledged grant survives power loss. NORMAL = survives a process crash only (an OS crash or power cut may lose the last commits).');
const loaderBound = outcomes.filter((o) => o.target === 'baseline' && o.load.loaderCpu > 0.9);
if (loaderBound.length)
  console.log(`note: autocannon used ${fmt(loaderBound[0]!.load.loaderCpu * 100, 0)}% of a core during the baseline: the baseline is capped by the load generator, so the ratio flatters the claims.`);
const noisy = outcomes.filter((o) => o.otherCores > NOISE_CORES);
if (noisy.length)
  console.log(`!! other processes used CPU during: ${noisy.map((o) => `${SHORT[o.target]}${rounds > 1 ? ` (round ${o.round})` : ''} ${fmt(o.otherCores * 100, 0)}%`).join(', ')} — those numbers are pessimistic.`);

if (profileDir) {
  for (const o of outcomes) if (o.server.profilePath) console.log(`\n== where the time goes: ${SHORT[o.target]}\n${summarizeProfile(o.server.profilePath)}`);
}

if (flags.json) {
  const strip = (r: LoadResult) => ({ ...r, problems: Object.fromEntries(r.problems) });
  writeFileSync(
    flags.json,
    JSON.stringify(
      { date, code, machine: m, connections, durationS, warmupS, runs: outcomes.map((o) => ({ ...o, warmup: strip(o.warmup), load: strip(o.load) })) },
      null,
      2,
    ),
  );
}

const broken = outcomes.filter((o) => failed(o.load) || failed(o.warmup) || o.dbCheck || o.atRates.some((r) => failed(r.load)));
if (broken.length) {
  const bar = '!'.repeat(78);
  console.error(`\n${bar}\n!! THE BENCH HAD ERRORS in: ${broken.map((o) => SHORT[o.target]).join(', ')}`);
  console.error('!! Numbers from a run with errors are not valid measurements. See the !! lines above.');
  console.error(bar);
  process.exitCode = 1;
} else {
  console.log(`\nall ${outcomes.reduce((n, o) => n + o.load.good + o.warmup.good, 0).toLocaleString('en-US')} responses were 200 + allow; no errors.`);
  if (targetMet !== null) console.log(`target for the default (FULL): ${targetMet ? 'MET' : 'MISSED'}`);
}
