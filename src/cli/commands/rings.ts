import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { CONSUMER_CLASSES, type ConsumerClass } from '../../core/rings/classify.js';
import type { RingOptions } from '../../core/rings/find-rings.js';
import type { Ring, RingId, RingRun, RingRunId } from '../../core/rings/ring.js';
import { RING_ID_PATTERN, RING_RUN_ID_PATTERN } from '../../core/rings/ring.js';
import { classifyCampaign, detectRings, exportRing, getRing } from '../../core/rings/use-cases.js';
import { formatFen } from '../../core/shared/money.js';
import type { CampaignId } from '../../core/shared/ids.js';
import { membersCsv, ringView, shownThing } from '../../http/routes/rings.js';
import { iso } from '../../http/views.js';
import { idOf, intIn, isoTime } from '../args.js';
import { CliError, ctxOf, unwrap, type CliRuntime } from '../context.js';
import { progressBar, type Progress } from '../progress.js';
import { InvalidArgumentError } from 'commander';

const DAY = 86_400_000;

const matching = (pattern: string, what: string) => (v: string) => {
  if (!new RegExp(pattern).test(v)) throw new InvalidArgumentError(`not a ${what} (${pattern})`);
  return v;
};

const numberIn = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`must be a number ${min}..${max}`);
  return n;
};

/** One progress bar per phase of a long job, on stderr. */
function phaseBars(enabled: boolean) {
  let phase = '';
  let bar: Progress | null = null;
  return {
    report: (p: string, done: number, total: number) => {
      if (!enabled) return;
      if (p !== phase) {
        bar?.stop();
        phase = p;
        bar = progressBar(p, Math.max(total, 1));
      }
      bar?.update(Math.min(done, Math.max(total, 1)));
    },
    stop: () => bar?.stop(),
  };
}

const runLine = (r: RingRun) =>
  [r.id, r.status.padEnd(7), iso(r.at), `${iso(r.from)} .. ${iso(r.to)}`, r.stats ? `${r.stats.rings} rings, ${r.stats.ringAccounts} accounts of ${r.stats.accounts}` : (r.error ?? '')].join('  ');

const ringLine = (r: Ring) =>
  [r.id, `${String(r.size).padStart(6)} accounts`, `score ${r.score}`, `${formatFen(r.faceValueFen)} granted`, Object.keys(r.evidenceByKind).join('+')].join('  ');

function ringText(r: Ring): string {
  const rows: [string, string][] = [
    ['ring', `${r.id} (rank ${r.rank} of run ${r.runId})`],
    ['accounts', `${r.size} (${r.detectors.attached} added by growing the block)`],
    ['score', `${r.score}  (lift ${r.lift}×, exclusivity ${r.exclusivity}, cohesion ${r.cohesion})`],
    ['active', `${iso(r.firstSeenAt)} .. ${iso(r.lastSeenAt)}`],
    ['claims', `${r.claims} claims, ${r.coupons} coupons, ${formatFen(r.faceValueFen)} face value`],
    ['orders', `${r.orders} orders, ${formatFen(r.redeemedFen)} coupon discount, ${formatFen(r.cashoutFen)} cash-out goods`],
    ['ties', Object.entries(r.evidenceByKind).map(([k, v]) => `${k} ${v.things} (${v.links} links)`).join(', ')],
    ['detectors', `dense block ${r.detectors.denseBlock.accounts}×${r.detectors.denseBlock.things}; community ${r.detectors.community}; ${r.detectors.component ? `strong component of ${r.detectors.component.size} holding ${Math.round(r.detectors.component.overlap * 100)}%` : 'no strong component'}`],
  ];
  const things = r.evidence.slice(0, 12).map((e) => `  ${e.kind.padEnd(9)} ${shownThing(e.kind, e.value, false).padEnd(40)} ${e.accounts} of ${e.total} accounts`);
  const camps = r.campaigns.slice(0, 10).map((c) => `  ${c.campaignId}  ${c.claims} claims, ${c.grants} grants, ${formatFen(c.faceValueFen)}`);
  return [...rows.map(([k, v]) => `${k.padEnd(9)} ${v}`), 'evidence (strongest first):', ...things, 'campaigns:', ...camps].join('\n');
}

/** `couponguard rings ...`: detect, runs, list, show, export, classify. */
export function ringCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('rings').description('ring detection on the account link graph');

  group
    .command('detect')
    .description('find rings in a window of claims, orders and account events (audited); shows progress')
    .option('--from <time>', 'ISO time (default: 30 days ago)', isoTime)
    .option('--to <time>', 'ISO time (default: now)', isoTime)
    .option('--min-accounts <n>', 'smallest ring (default 5)', intIn(2, 100_000))
    .option('--margin <x>', 'bar = the rewired graph’s best score × this (default 1)', numberIn(1, 100))
    .option('--seed <n>', 'seed for Louvain and the rewired graph (default 1)', intIn(0, 2_147_483_647))
    .action(async (o: { from?: number; to?: number; minAccounts?: number; margin?: number; seed?: number }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const options: Partial<RingOptions> = { ...(o.minAccounts ? { minRows: o.minAccounts } : {}), ...(o.margin ? { margin: o.margin } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) };
      const bars = phaseBars(!ctx.json);
      const run = await ctx.withSystem(async (s) => {
        const now = s.deps.clock.now();
        try {
          return unwrap(await detectRings(s.deps, { from: o.from ?? now - 30 * DAY, to: o.to ?? now + 1, options }, ctx.actor, bars.report));
        } finally {
          bars.stop();
        }
      });
      const st = run.stats!;
      ctx.emit(run, () =>
        [
          `run ${run.id}: ${st.rings} ring${st.rings === 1 ? '' : 's'} holding ${st.ringAccounts} of ${st.accounts} accounts`,
          `graph: ${st.accounts} accounts, ${st.things} shared things, ${st.links} links (from ${st.claims} claims, ${st.orders} orders, ${st.events} events); ${st.communities} communities`,
          `bar: score > ${st.threshold} (best block in a degree-preserving rewiring of this graph), ${st.candidates} candidate blocks`,
          `took ${(st.ms / 1000).toFixed(1)} s; see: couponguard rings list`,
        ].join('\n'),
      );
    });

  group
    .command('runs')
    .description('detection runs, newest first')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const runs = await ctx.withSystem((s) => s.deps.store.rings.listRuns(50));
      ctx.emit(runs, () => runs.map(runLine).join('\n') || 'no detection runs yet: couponguard rings detect');
    });

  group
    .command('list')
    .description('rings of the current run (or of --run), strongest first')
    .option('--run <id>', 'a run id', matching(RING_RUN_ID_PATTERN, 'run id'))
    .option('--limit <n>', 'at most this many (default 50)', intIn(1, 10_000))
    .action(async (o: { run?: string; limit?: number }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const page = await ctx.withSystem((s) => s.deps.store.rings.list({ runId: o.run as RingRunId | undefined, limit: o.limit ?? 50 }));
      ctx.emit(page.items.map((r) => ringView(r, 'analyst')), () => page.items.map(ringLine).join('\n') || 'no rings in that run');
    });

  group
    .command('show')
    .description('one ring: accounts, score, evidence, campaigns, money, detectors (personal data masked)')
    .argument('<ring>', 'ring id', matching(RING_ID_PATTERN, 'ring id'))
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const r = await ctx.withSystem(async (s) => unwrap(await getRing(s.deps, id as RingId)));
      ctx.emit(ringView(r, 'analyst'), () => ringText(r));
    });

  group
    .command('export')
    .description('a ring and every member to a file, as JSON or CSV (audited; personal data in clear, file mode 600)')
    .argument('<ring>', 'ring id', matching(RING_ID_PATTERN, 'ring id'))
    .addOption(new Option('--format <format>', 'json or csv').choices(['json', 'csv']).default('json'))
    .requiredOption('--out <path>', 'file to write')
    .action(async (id: string, o: { format: 'json' | 'csv'; out: string }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const r = await ctx.withSystem(async (s) => unwrap(await exportRing(s.deps, id as RingId, ctx.actor, o.format)));
      const body = o.format === 'csv' ? membersCsv(r.ring, r.members) : `${JSON.stringify({ ring: ringView(r.ring, 'admin'), members: r.members }, null, 2)}\n`;
      try {
        writeFileSync(o.out, body, { mode: 0o600 });
      } catch (e) {
        throw new CliError(`cannot write ${o.out}: ${e instanceof Error ? e.message : String(e)}`);
      }
      ctx.emit({ ring: id, members: r.members.length, file: o.out }, () => `wrote ${r.members.length} members of ${id} to ${o.out}`);
    });

  group
    .command('classify')
    .description('each account that claimed a campaign: ring member, ring-linked, swept-in consumer or undetermined, with reasons')
    .requiredOption('--campaign <id>', 'campaign id', idOf<CampaignId>('campaign'))
    .addOption(new Option('--class <class>', 'show only this class').choices([...CONSUMER_CLASSES]))
    .option('--limit <n>', 'lines to print (default 50)', intIn(1, 1_000_000))
    .action(async (o: { campaign: CampaignId; class?: ConsumerClass; limit?: number }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const r = await ctx.withSystem(async (s) => unwrap(await classifyCampaign(s.deps, o.campaign)));
      const items = r.items.filter((c) => !o.class || c.class === o.class);
      ctx.emit({ ...r, items }, () =>
        [
          `${o.campaign} against ${r.runId ?? 'no detection run (nobody can be a ring member yet)'}: ` +
            CONSUMER_CLASSES.map((c) => `${r.counts[c]} ${c}`).join(', '),
          ...items.slice(0, o.limit ?? 50).map((c) => `  ${c.accountId.padEnd(24)} ${c.class.padEnd(12)} ${c.reasons.map((x) => x.message).join('; ')}`),
        ].join('\n'),
      );
    });
}
