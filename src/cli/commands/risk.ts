import { Option, type Command } from 'commander';
import { MemoryCounters } from '../../adapters/memory/counters.js';
import type { ReviewVerdict } from '../../ports/store.js';
import { shadowReport } from '../../core/risk/backtest.js';
import { LIST_KINDS, type ListKind, type ListName } from '../../core/risk/lists.js';
import type { PolicyDoc } from '../../core/risk/policy-doc.js';
import { runBacktest } from '../../core/risk/run-backtest.js';
import { backtestReportOf, startBacktest } from '../../core/risk/backtest-job.js';
import { runJobHere } from './jobs.js';
import { describeOutcome } from '../../core/jobs/service.js';
import { addListEntry, publishPolicy, removeListEntry, reviewClaim, reviewOrder, setPolicyStatus, validatePolicy } from '../../core/risk/use-cases.js';
import type { ClaimId, OrderId } from '../../core/shared/ids.js';
import { policyDocSchema } from '../../http/schemas.js';
import { iso } from '../../http/views.js';
import { idOf, intIn, isoTime, nonEmpty } from '../args.js';
import { CliError, ctxOf, unwrap, type CliRuntime } from '../context.js';
import { readJsonFile } from '../json-file.js';
import { progressBar } from '../progress.js';

const DAY = 86_400_000;

/** `couponguard policy ...`: validate, publish (live or shadow), promote, retire, shadow report, backtest. */
export function policyCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('policy').description('risk policies: versions, shadow mode, backtests');

  group
    .command('list')
    .description('policy versions and their status')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const versions = await ctx.withSystem((s) => s.deps.store.policies.list());
      ctx.emit(versions, () =>
        versions.map((v) => `v${v.version}  ${v.status.padEnd(7)} ${v.doc.rules.length} rules  ${iso(v.createdAt)}  ${v.createdBy}  ${v.note}`).join('\n') || 'no policies',
      );
    });

  group
    .command('show')
    .description('one version as JSON (a file you can edit and publish)')
    .argument('<version>', 'version number', intIn(1, 1e9))
    .action(async (version: number, _o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const v = await ctx.withSystem((s) => s.deps.store.policies.get(version));
      if (!v) throw new CliError(`policy version ${version} not found (NOT_FOUND)`);
      ctx.io.out(JSON.stringify(v.doc, null, 2));
    });

  group
    .command('validate')
    .description('check a policy file: every problem with its rule and position')
    .requiredOption('--file <path>', 'policy JSON ({thresholds, rules})')
    .action(async (o: { file: string }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const doc = await readJsonFile<PolicyDoc>(o.file, policyDocSchema);
      const problems = await ctx.withSystem(async (s) => validatePolicy(s.deps.rules, doc));
      ctx.emit({ valid: problems.length === 0, problems }, () => (problems.length ? problems.map((p) => `✗ ${p.message}`).join('\n') : `✓ ${doc.rules.length} rules are valid`));
      if (problems.length) ctx.fail();
    });

  group
    .command('publish')
    .description('publish a policy file as the live policy or as the shadow beside it (audited)')
    .requiredOption('--file <path>', 'policy JSON ({thresholds, rules})')
    .addOption(new Option('--status <status>', 'live or shadow').choices(['live', 'shadow']).default('live'))
    .option('--note <text>', 'why', nonEmpty(500))
    .action(async (o: { file: string; status: 'live' | 'shadow'; note?: string }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const doc = await readJsonFile<PolicyDoc>(o.file, policyDocSchema);
      const v = await ctx.withSystem(async (s) => unwrap(await publishPolicy(s.deps, s.deps.rules, doc, o.status, ctx.actor, o.note ?? '')));
      ctx.emit(v, () => `published v${v.version} as ${v.status} (${v.doc.rules.length} rules); servers pick it up within a second`);
    });

  for (const [name, status, what] of [
    ['promote', 'live', 'make a version (e.g. the shadow) the live policy'],
    ['retire', 'retired', 'retire a version (stop a shadow)'],
  ] as const) {
    group
      .command(name)
      .description(`${what} (audited)`)
      .argument('<version>', 'version number', intIn(1, 1e9))
      .action(async (version: number, _o: unknown, cmd: Command) => {
        const ctx = ctxOf(rt, cmd);
        const v = await ctx.withSystem(async (s) => unwrap(await setPolicyStatus(s.deps, version, status, ctx.actor)));
        ctx.emit(v, () => `v${v.version} is now ${v.status}`);
      });
  }

  group
    .command('shadow')
    .description('live versus shadow decisions over recorded claims')
    .option('--from <time>', 'ISO time (default: 24 h ago)', isoTime)
    .option('--to <time>', 'ISO time (default: now)', isoTime)
    .action(async (o: { from?: number; to?: number }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const r = await ctx.withSystem((s) => {
        const now = s.deps.clock.now();
        return shadowReport(s.deps.store.claims.scan({ from: o.from ?? now - DAY, to: o.to ?? now + 1 }));
      });
      ctx.emit(r, () =>
        r.claims === 0
          ? 'no claims with a shadow verdict in that window'
          : [`shadow ${r.shadowVersion}: ${r.claims} claims, ${r.agree} agree, ${r.disagree} differ`, matrixText(r.matrix, 'live', 'shadow')].join('\n'),
      );
    });

  group
    .command('backtest')
    .description('replay recorded claims through a stored or draft policy and compare decisions')
    .option('--policy-version <n>', 'stored version (default: the live one)', intIn(1, 1e9))
    .option('--file <path>', 'draft policy JSON instead of a stored version')
    .option('--from <time>', 'ISO time (default: 24 h ago)', isoTime)
    .option('--to <time>', 'ISO time (default: now)', isoTime)
    .option('--job', 'run as a resumable job (for large windows): progress in `couponguard jobs show`, resume with `couponguard jobs resume`')
    .action(async (o: { policyVersion?: number; file?: string; from?: number; to?: number; job?: boolean }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      if (o.policyVersion && o.file) throw new CliError('give --policy-version or --file, not both');
      const policy = o.file ? await readJsonFile<PolicyDoc>(o.file, policyDocSchema) : undefined;
      if (o.job) {
        const outcome = await ctx.withSystem(async (s) => {
          const now = s.deps.clock.now();
          const job = unwrap(await startBacktest(s.deps, { version: o.policyVersion, policy, from: o.from ?? now - DAY, to: o.to ?? now + 1 }, ctx.actor));
          ctx.io.err(`job ${job.id}: if interrupted, resume with: couponguard jobs resume ${job.id}`);
          return runJobHere(ctx, s, job.id);
        });
        if (outcome.kind !== 'done') {
          ctx.fail();
          ctx.io.err(describeOutcome(outcome));
          return;
        }
        const r = backtestReportOf(outcome.job);
        ctx.emit({ job: outcome.job.id, ...r }, () =>
          [`${r.policyVersion === 'policy@0' ? 'draft policy' : r.policyVersion}: ${r.claims} claims, ${r.evaluated} decided by the policy, ${r.same} same, ${r.different} different (job ${outcome.job.id})`, matrixText(r.matrix, 'recorded', 'backtest')].join('\n'),
        );
        return;
      }
      const r = await ctx.withSystem(async (s) => {
        const now = s.deps.clock.now();
        const range = { from: o.from ?? now - DAY, to: o.to ?? now + 1 };
        const bar = ctx.json ? null : progressBar('claims', await s.deps.store.claims.countRange(range));
        try {
          return unwrap(await runBacktest(s.deps, { version: o.policyVersion, policy, ...range }, new MemoryCounters(), (n) => bar?.update(n)));
        } finally {
          bar?.stop();
        }
      });
      ctx.emit(r, () =>
        [
          `${r.policyVersion === 'policy@0' ? 'draft policy' : r.policyVersion}: ${r.claims} claims, ${r.evaluated} decided by the policy, ${r.same} same, ${r.different} different`,
          matrixText(r.matrix, 'recorded', 'backtest'),
          ...r.changes.slice(0, 20).map((c) => `  ${c.claimId} ${iso(c.at)} ${c.recorded} → ${c.backtest} ${c.rules.join(',')}`),
        ].join('\n'),
      );
    });
}

function matrixText(m: Record<string, Record<string, number>>, rows: string, cols: string): string {
  const ds = ['allow', 'challenge', 'hold', 'deny'];
  const head = `${`${rows} \\ ${cols}`.padEnd(20)}${ds.map((d) => d.padStart(10)).join('')}`;
  return [head, ...ds.filter((r) => m[r]).map((r) => `${r.padEnd(20)}${ds.map((c) => String(m[r]?.[c] ?? 0).padStart(10)).join('')}`)].join('\n');
}

/** `couponguard lists ...`: block and allow lists. */
export function listCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('lists').description('block and allow lists');
  group
    .command('show')
    .description('active entries')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const entries = await ctx.withSystem((s) => s.deps.store.lists.active(s.deps.clock.now()));
      ctx.emit(entries, () => entries.map((e) => `#${e.id} ${e.list} ${e.kind} ${e.value}  ${e.reason}${e.expiresAt ? `  until ${iso(e.expiresAt)}` : ''}`).join('\n') || 'no entries');
    });
  group
    .command('add')
    .description('add an entry (audited)')
    .addOption(new Option('--list <list>').choices(['block', 'allow']).makeOptionMandatory())
    .addOption(new Option('--kind <kind>').choices(LIST_KINDS).makeOptionMandatory())
    .requiredOption('--value <value>', 'account id, device id, IP, CIDR, phone, segment prefix, identity hash or top-up target', nonEmpty(128))
    .requiredOption('--reason <text>', 'why', nonEmpty(300))
    .option('--expires <time>', 'ISO time', isoTime)
    .action(async (o: { list: ListName; kind: ListKind; value: string; reason: string; expires?: number }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const e = await ctx.withSystem(async (s) => unwrap(await addListEntry(s.deps, { list: o.list, kind: o.kind, value: o.value, reason: o.reason, expiresAt: o.expires ?? null }, ctx.actor)));
      ctx.emit(e, () => `added #${e.id}: ${e.list} ${e.kind} ${e.value}`);
    });
  group
    .command('remove')
    .description('remove an entry (audited)')
    .argument('<id>', 'entry id', intIn(1, 1e12))
    .action(async (id: number, _o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      await ctx.withSystem(async (s) => unwrap(await removeListEntry(s.deps, id, ctx.actor)));
      ctx.emit({ removed: id }, () => `removed #${id}`);
    });
}

/** `couponguard review ...`: the queue of held claims and orders. */
export function reviewCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('review').description('held claims and orders');
  group
    .command('queue')
    .description('what is waiting for review')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const [claims, orders] = await ctx.withSystem((s) => Promise.all([s.deps.store.reviews.pendingClaims({ limit: 200 }), s.deps.store.reviews.pendingOrders({ limit: 200 })]));
      ctx.emit({ claims: claims.items, orders: orders.items }, () =>
        [
          `${claims.items.length} held claims, ${orders.items.length} held orders`,
          ...claims.items.map((c) => `  claim ${c.id} ${c.accountId} ${c.reasons.map((r) => r.code).join(',')}`),
          ...orders.items.map((o) => `  order ${o.id} ${o.accountId} ${o.reasons.map((r) => r.code).join(',')}`),
        ].join('\n'),
      );
    });
  for (const kind of ['claim', 'order'] as const) {
    group
      .command(kind)
      .description(`approve or reject a held ${kind} (audited)`)
      .argument('<id>', `${kind} id`, idOf(kind))
      .addOption(new Option('--verdict <verdict>').choices(['approve', 'reject']).makeOptionMandatory())
      .option('--note <text>', 'why', nonEmpty(500))
      .action(async (id: string, o: { verdict: ReviewVerdict; note?: string }, cmd: Command) => {
        const ctx = ctxOf(rt, cmd);
        await ctx.withSystem(async (s) =>
          kind === 'claim'
            ? unwrap(await reviewClaim(s.deps, id as ClaimId, o.verdict, ctx.actor, o.note ?? ''))
            : unwrap(await reviewOrder(s.deps, id as OrderId, o.verdict, ctx.actor, o.note ?? '')),
        );
        ctx.emit({ id, verdict: o.verdict }, () => `${kind} ${id}: ${o.verdict}d`);
      });
  }
}
