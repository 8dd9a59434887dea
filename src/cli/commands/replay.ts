import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_PARAMS, VARIANTS, replayPdd2019, type Variant, reportHtml, summary, type ReplayConfig, type ReplayReport } from '../../sim/index.js';
import { intIn } from '../args.js';
import { CliError, ctxOf, type CliRuntime } from '../context.js';
import { progressBar } from '../progress.js';

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new CliError(`not a scale in (0, 100]: ${v}`);
  return n;
}

/**
 * `couponguard replay <scenario>`: replays an incident in process on a virtual clock (its own
 * in-memory store; --db is not touched) and reports time to detect, money lost and users hurt.
 */
export function replayCommand(program: Command, rt: CliRuntime): void {
  program
    .command('replay')
    .description(`replay an incident scenario in process with a virtual clock and score it (scenarios: pdd-2019, with --variant ${VARIANTS.filter((v) => v !== 'none').join('|')})`)
    .argument('<scenario>', 'scenario name')
    .addOption(new Option('--config <name>', 'which configuration (a variant runs in loophole only)').choices(['locked', 'loophole', 'both']).default('both'))
    .addOption(new Option('--variant <name>', 'a variant of the incident').choices([...VARIANTS]).default('none'))
    .option('--seed <n>', 'random seed', intIn(0, 2 ** 31 - 1), DEFAULT_PARAMS.seed)
    .option('--scale <x>', 'multiplies populations and rates', positive, DEFAULT_PARAMS.scale)
    .option('--history-days <n>', 'days of ordinary traffic before the festival day', intIn(1, 14), DEFAULT_PARAMS.historyDays)
    .option('--hours <n>', 'hours to run after the attack starts', intIn(1, 24), DEFAULT_PARAMS.hoursAfterAttack)
    .option('--out <dir>', 'where to write the JSON reports and the HTML page', 'data/replay')
    .action(async (scenario: string, o: { config: ReplayConfig | 'both'; variant: Variant; seed: number; scale: number; historyDays: number; hours: number; out: string }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      if (scenario !== 'pdd-2019') throw new CliError(`unknown scenario ${scenario} (known: pdd-2019)`);
      if (o.variant !== 'none' && o.config === 'locked') throw new CliError(`the variants run in the loophole configuration (only detection can save the platform there); drop --config locked`);
      const configs: ReplayConfig[] = o.variant !== 'none' ? ['loophole'] : o.config === 'both' ? ['locked', 'loophole'] : [o.config];
      const tag = o.variant === 'none' ? 'pdd-2019' : `pdd-2019-${o.variant}`;
      const reports: ReplayReport[] = [];
      await mkdir(o.out, { recursive: true });
      for (const config of configs) {
        const bar = ctx.json ? null : progressBar(config, 100);
        try {
          const r = await replayPdd2019({ seed: o.seed, scale: o.scale, historyDays: o.historyDays, hoursAfterAttack: o.hours, config, variant: o.variant, onProgress: (done, total) => bar?.update(Math.floor((100 * done) / total)) });
          reports.push(r);
          const file = join(o.out, `${tag}-${config}-seed${o.seed}-scale${o.scale}.json`);
          await writeFile(file, `${JSON.stringify(r, null, 2)}\n`);
          ctx.io.err(`report: ${file}`);
        } finally {
          bar?.stop();
        }
      }
      const html = join(o.out, `${tag}-seed${o.seed}-scale${o.scale}.html`);
      await writeFile(html, reportHtml(reports));
      ctx.io.err(`chart: ${html}`);
      ctx.emit(reports, () => reports.map(summary).join('\n\n'));
    });
}
