import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  DEFAULT_PARAMS,
  VARIANTS,
  httpTarget,
  replayPdd2019,
  reportHtml,
  scenarioProblems,
  summary,
  LabError,
  type HttpKeys,
  type ReplayConfig,
  type ReplayReport,
  type Scenario,
  type ScenarioParams,
  type Shapes,
  type Variant,
} from '../../sim/index.js';
import { intIn } from '../args.js';
import { CliError, ctxOf, type CliRuntime } from '../context.js';
import { progressBar, type Progress } from '../progress.js';
import { readReplayFile, ReplayFileError, type ReplayFile } from '../replay-file.js';

const MIN = 60_000;
const CONFIGS = ['locked', 'loophole', 'both'] as const;

const positiveIn = (max: number) => (v: string): number => {
  const n = Number(v);
  if (!/^[0-9.]+$/.test(v) || !Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`must be a number in (0, ${max}]`);
  return n;
};

/**
 * Defaults over HTTP, in real time: the window around the attack only, short enough to watch
 * (about 8 minutes of wall time): 2 minutes of the festival night with the offline event's guests
 * in it, the attack, the swept-in wave from 2 minutes after it, 5 minutes in all after the attack.
 */
export const HTTP_DEFAULTS = {
  scale: 1,
  hoursAfterAttack: 5 / 60,
  warmupMinutes: 2,
  // The wave that takes an hour to build in process builds over 3 minutes here (20× the growth).
  shapes: { eventBeforeAttackMinutes: 2, eventMinutes: 1, sweptAfterMinutes: 2, sweptGrowth: 4 } satisfies Partial<Shapes>,
};

interface Opts {
  config: string;
  variant?: Variant;
  seed?: number;
  scale?: number;
  historyDays?: number;
  hours?: number;
  out: string;
  quiet?: boolean;
  http?: string;
  apiKey?: string;
  operatorKey?: string;
  analystKey?: string;
  adminKey?: string;
  warmupMinutes?: number;
  align: boolean;
}

/** Progress written beside the report as the run goes (at most once a second), for whoever watches the job. */
function progressFile(path: string, base: Record<string, unknown>) {
  const started = Date.now();
  let last = 0;
  let writing: Promise<void> = Promise.resolve();
  const write = (state: Record<string, unknown>) => {
    const body = `${JSON.stringify({ ...base, ...state, startedAt: new Date(started).toISOString(), updatedAt: new Date().toISOString(), elapsedMs: Date.now() - started }, null, 2)}\n`;
    // Write then rename, so a reader never sees half a file.
    writing = writing.then(() => writeFile(`${path}.tmp`, body).then(() => rename(`${path}.tmp`, path))).catch(() => {});
    return writing;
  };
  return {
    update(done: number, total: number) {
      const now = Date.now();
      if (now - last < 1_000) return;
      last = now;
      const percent = total ? Math.floor((1_000 * done) / total) / 10 : 0;
      const elapsed = now - started;
      void write({ state: 'running', done, total, percent, etaMs: done > 0 ? Math.round((elapsed * (total - done)) / done) : null });
    },
    finish: (state: Record<string, unknown>) => write(state),
  };
}

function httpKeys(o: Opts, env: NodeJS.ProcessEnv): HttpKeys {
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name]?.trim() || undefined);
  const k = {
    client: pick(o.apiKey, 'COUPONGUARD_API_KEY'),
    operator: pick(o.operatorKey, 'COUPONGUARD_OPERATOR_KEY'),
    analyst: pick(o.analystKey, 'COUPONGUARD_ANALYST_KEY'),
    admin: pick(o.adminKey, 'COUPONGUARD_ADMIN_KEY'),
  };
  return Object.fromEntries(Object.entries(k).filter(([, v]) => v !== undefined)) as HttpKeys;
}

function httpUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidArgumentError('must be a URL such as http://127.0.0.1:8080');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError('must be an http(s) URL');
  return u.toString();
}

/** A run's knobs: the command line wins over the file, the file over the defaults (HTTP has its own). */
function resolve(cmd: Command, o: Opts, f: ReplayFile) {
  const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
  const http = o.http !== undefined;
  const base = http ? { ...DEFAULT_PARAMS, ...HTTP_DEFAULTS } : { ...DEFAULT_PARAMS, warmupMinutes: 0, shapes: {} };
  const params: ScenarioParams & { warmupMinutes: number } = {
    seed: given('seed') ? o.seed! : (f.seed ?? base.seed),
    scale: given('scale') ? o.scale! : (f.scale ?? base.scale),
    historyDays: given('historyDays') ? o.historyDays! : (f.historyDays ?? base.historyDays),
    hoursAfterAttack: given('hours') ? o.hours! : (f.hoursAfterAttack ?? base.hoursAfterAttack),
    variant: given('variant') ? o.variant! : (f.variant ?? 'none'),
    warmupMinutes: given('warmupMinutes') ? o.warmupMinutes! : (f.warmupMinutes ?? base.warmupMinutes),
    shapes: { ...base.shapes, ...f.shapes },
  };
  const configuration = (CONFIGS as readonly string[]).includes(o.config) ? (o.config as (typeof CONFIGS)[number]) : (f.configuration ?? 'both');
  return { params, configuration };
}

/**
 * `couponguard replay <scenario>`: replays an incident and reports time to detect, money lost and
 * users hurt. In process by default (its own in-memory store on a virtual clock; --db is not
 * touched); with --http, against a running server through its public API, in real time.
 */
export function replayCommand(program: Command, rt: CliRuntime): void {
  program
    .command('replay')
    .description(`replay an incident scenario and score it (scenarios: pdd-2019, with --variant ${VARIANTS.filter((v) => v !== 'none').join('|')}); in process on a virtual clock, or against a server with --http`)
    .argument('<scenario>', 'scenario name')
    .option('--config <locked|loophole|both|FILE>', 'which configuration, or a JSON file of the run’s knobs (examples/replay/*.json; flags given here win over it)', 'both')
    .addOption(new Option('--variant <name>', 'a variant of the incident (loophole only)').choices([...VARIANTS]))
    .option('--seed <n>', `random seed (default ${DEFAULT_PARAMS.seed})`, intIn(0, 2 ** 31 - 1))
    .option('--scale <x>', `multiplies populations and rates (default ${DEFAULT_PARAMS.scale}; ${HTTP_DEFAULTS.scale} over HTTP)`, positiveIn(100))
    .option('--history-days <n>', `days of ordinary traffic before the festival day (default ${DEFAULT_PARAMS.historyDays}; not replayed over HTTP)`, intIn(1, 14))
    .option('--hours <n>', `hours to run after the attack starts (default ${DEFAULT_PARAMS.hoursAfterAttack}; ${(HTTP_DEFAULTS.hoursAfterAttack * 60).toFixed(0)} minutes over HTTP)`, positiveIn(24))
    .option('--out <dir>', 'where to write the JSON reports, the progress files and the HTML page', 'data/replay')
    .option('--quiet', 'no progress display')
    .option('--http <url>', 'drive a running server over its public HTTP API, in real time (keys: --api-key, --operator-key, --analyst-key, or --admin-key)', httpUrl)
    .option('--api-key <key>', 'client key for claims, orders and account events (env COUPONGUARD_API_KEY)')
    .option('--operator-key <key>', 'operator key for the campaigns and the event codes (env COUPONGUARD_OPERATOR_KEY)')
    .option('--analyst-key <key>', 'analyst key for ring detection (env COUPONGUARD_ANALYST_KEY; without it classification is not measured)')
    .option('--admin-key <key>', 'admin key: creates whichever of the three keys is missing (env COUPONGUARD_ADMIN_KEY)')
    .option('--no-align', 'over HTTP: start at once instead of at the next wall-clock minute (scenario minutes then straddle the monitor’s)')
    .option('--warmup-minutes <n>', `over HTTP: minutes of the festival night replayed before the attack (default ${HTTP_DEFAULTS.warmupMinutes})`, positiveIn(600))
    .action(async (scenario: string, o: Opts, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      if (scenario !== 'pdd-2019') throw new CliError(`unknown scenario ${scenario} (known: pdd-2019)`);
      // --config is a configuration name or a scenario file; a bad file stops everything: exit 2.
      let file: ReplayFile = {};
      if (!(CONFIGS as readonly string[]).includes(o.config)) {
        if (!existsSync(o.config) && !/[./]/.test(o.config)) throw new CliError(`--config: not a configuration (locked|loophole|both) nor a file: ${o.config}`);
        try {
          file = await readReplayFile(o.config);
        } catch (e) {
          if (!(e instanceof ReplayFileError)) throw e;
          ctx.io.err(`error: scenario file: ${e.message}`);
          ctx.fail(2);
          return;
        }
      }
      const { params, configuration } = resolve(cmd, o, file);
      const problems = scenarioProblems(params);
      if (problems.length) {
        ctx.io.err(`error: scenario: ${problems.join('; ')}`);
        ctx.fail(2);
        return;
      }
      if (params.variant !== 'none' && configuration === 'locked') throw new CliError(`the variants run in the loophole configuration (only detection can save the platform there); drop --config locked`);
      const configs: ReplayConfig[] = params.variant !== 'none' ? ['loophole'] : configuration === 'both' ? ['locked', 'loophole'] : [configuration];
      const keys = o.http ? httpKeys(o, rt.env) : null;
      if (keys && !keys.admin && (!keys.client || !keys.operator))
        throw new CliError('--http needs a client and an operator key (--api-key, --operator-key or their COUPONGUARD_* env), or --admin-key to create them');
      if (o.http && configs.length > 1)
        ctx.io.err('note: both configurations run against the same server, one after the other; each uses its own account ids, devices and coupon types, but the same phone numbers and identities (for independent numbers, run each against a fresh server)');
      const tag = params.variant === 'none' ? 'pdd-2019' : `pdd-2019-${params.variant}`;
      const stem = `seed${params.seed}-scale${params.scale}${o.http ? '-http' : ''}`;
      const reports: ReplayReport[] = [];
      await mkdir(o.out, { recursive: true });
      for (const config of configs) {
        const name = `${tag}-${config}-${stem}`;
        const progressPath = join(o.out, `${name}.progress.json`);
        const prog = progressFile(progressPath, { scenario: 'pdd-2019', variant: params.variant, config, seed: params.seed, scale: params.scale, driver: o.http ? 'http' : 'in-process', unit: 'scenario ms' });
        ctx.io.err(`progress: ${progressPath}`);
        const bar: Progress | null = ctx.json || o.quiet || !process.stderr.isTTY ? null : progressBar(config, 100);
        try {
          const target = o.http ? (sc: Scenario) => httpTarget({ url: o.http!, keys: keys!, from: sc.attackStart - params.warmupMinutes * MIN, note: httpNote(params.warmupMinutes), alignMinutes: o.align }) : undefined;
          const r = await replayPdd2019({
            ...params,
            config,
            ...(target ? { target, tag: `rl${randomBytes(3).toString('hex')}-` } : {}),
            onProgress: (done, total) => {
              bar?.update(Math.floor((100 * done) / total));
              prog.update(done, total);
            },
          });
          reports.push(r);
          const file = join(o.out, `${name}.json`);
          await writeFile(file, `${JSON.stringify(r, null, 2)}\n`);
          await prog.finish({ state: 'done', percent: 100, report: file, wallMs: r.wallMs });
          ctx.io.err(`report: ${file}`);
        } catch (e) {
          await prog.finish({ state: 'failed', error: e instanceof Error ? e.message : String(e) });
          if (e instanceof LabError) throw new CliError(e.message);
          throw e;
        } finally {
          bar?.stop();
        }
      }
      const html = join(o.out, `${tag}-${stem}.html`);
      await writeFile(html, reportHtml(reports));
      ctx.io.err(`chart: ${html}`);
      ctx.emit(reports, () => reports.map(summary).join('\n\n'));
    });
}

const httpNote = (warmup: number) =>
  `real time against a running server: the ${warmup} min before the attack and the time after it are replayed; earlier days are not (the accounts' registrations and past purchases are sent as account events with their past times)`;
