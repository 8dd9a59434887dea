import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { parseValueList } from '../../core/incidents/list-file.js';
import { MAKEGOOD_ID_PATTERN, RECIPIENT_STATES, type MakegoodId, type RecipientState } from '../../core/makegood/makegood.js';
import { createMakegood, makegoodSummary, startMakegood } from '../../core/makegood/use-cases.js';
import type { CampaignId } from '../../core/shared/ids.js';
import { formatFen, MAX_FEN } from '../../core/shared/money.js';
import { makegoodSummaryView, makegoodView, recipientView } from '../../http/incident-views.js';
import { iso } from '../../http/views.js';
import { idOf, intIn, isoTime, nonEmpty } from '../args.js';
import { CliError, ctxOf, unwrap, type CliRuntime } from '../context.js';
import { reportOutcome, runJobHere } from './jobs.js';

const makegoodIdArg = (v: string): MakegoodId => {
  if (!new RegExp(MAKEGOOD_ID_PATTERN).test(v)) throw new CliError(`not a make-good id: ${v}`);
  return v as MakegoodId;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `couponguard makegood ...`: coupons once per affected account, within a budget. */
export function makegoodCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('makegood').description('make-good campaigns: red packets once per account, within a budget');

  group
    .command('create')
    .description('create a make-good (audited); then `makegood run`')
    .requiredOption('--name <text>', 'what it is', nonEmpty(200))
    .requiredOption('--campaign <id>', 'the campaign whose coupon is given (open, not channel-locked)', idOf<CampaignId>('campaign'))
    .requiredOption('--budget-fen <n>', 'the most it may give, in fen', intIn(1, MAX_FEN))
    .option('--accounts <file>', 'CSV of account ids to give to')
    .option('--active-from <time>', 'or: every account with an order placed from this time', isoTime)
    .option('--active-to <time>', '... until this time', isoTime)
    .option('--exclude-incident <id>', 'leave out the accounts involved in this incident (repeatable)', collect)
    .option('--include-swept-in', "the excluded incidents' swept-in consumers still get one")
    .option('--note <text>', 'why', nonEmpty(500))
    .action(
      async (
        o: { name: string; campaign: CampaignId; budgetFen: number; accounts?: string; activeFrom?: number; activeTo?: number; excludeIncident?: string[]; includeSweptIn?: boolean; note?: string },
        cmd: Command,
      ) => {
        const ctx = ctxOf(rt, cmd);
        const window = o.activeFrom !== undefined || o.activeTo !== undefined;
        if (!!o.accounts === window) throw new CliError('give --accounts FILE, or --active-from and --active-to');
        if (window && (o.activeFrom === undefined || o.activeTo === undefined)) throw new CliError('give both --active-from and --active-to');
        let accounts: string[] = [];
        if (o.accounts) {
          try {
            accounts = parseValueList(readFileSync(o.accounts, 'utf8'));
          } catch (e) {
            throw new CliError(`cannot read ${o.accounts}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
          }
        }
        const m = await ctx.withSystem(async (s) =>
          unwrap(
            await createMakegood(
              s.deps,
              {
                name: o.name,
                campaignId: o.campaign,
                budgetFen: o.budgetFen,
                population: o.accounts ? { kind: 'accounts', accounts } : { kind: 'active', from: o.activeFrom!, to: o.activeTo! },
                excludeIncidents: o.excludeIncident ?? [],
                includeSweptIn: o.includeSweptIn ?? false,
                ...(o.note ? { note: o.note } : {}),
              },
              ctx.actor,
            ),
          ),
        );
        ctx.emit(makegoodView(m), () => `created ${m.id}: ${m.name}, budget ${formatFen(m.budgetFen)}; run it with: couponguard makegood run ${m.id}`);
      },
    );

  group
    .command('run')
    .description('issue it (a resumable job with progress); running it again gives nobody a second one')
    .argument('<id>', 'make-good id', makegoodIdArg)
    .option('--batch <n>', 'recipients per batch', intIn(1, 100_000))
    .option('--force', 'take over the job from a runner whose lease is still fresh (that process is gone)')
    .action(async (id: MakegoodId, o: { batch?: number; force?: boolean }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      await ctx.withSystem(async (s) => {
        const started = unwrap(await startMakegood(s.deps, id, ctx.actor));
        if (started.resumed) ctx.io.err(`resuming job ${started.job.id}`);
        reportOutcome(ctx, await runJobHere(ctx, s, started.job.id, { ...(o.batch ? { batch: o.batch } : {}), ...(o.force ? { force: true } : {}) }));
      });
    });

  group
    .command('show')
    .description('issued so far, budget left, recipients by state')
    .argument('<id>', 'make-good id', makegoodIdArg)
    .action(async (id: MakegoodId, _o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const sum = await ctx.withSystem(async (s) => unwrap(await makegoodSummary(s.deps, id)));
      const v = makegoodSummaryView(sum);
      ctx.emit(v, () =>
        [
          `${v.id}  ${v.name}  campaign ${v.campaignId}`,
          `issued    ${v.issuedCount} coupons, ${formatFen(v.issuedFen)} of ${formatFen(v.budgetFen)} (left ${formatFen(v.budgetLeftFen)})`,
          `recipients ${Object.entries(v.recipients).map(([k, n]) => `${k} ${n}`).join(', ') || '-'}`,
        ].join('\n'),
      );
    });

  group
    .command('list')
    .description('make-goods')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const page = await ctx.withSystem((s) => s.deps.store.makegoods.list({ limit: 999 }));
      ctx.emit(page.items.map(makegoodView), () => page.items.map((m) => `${m.id}  ${iso(m.createdAt)}  ${m.issuedCount} issued, ${formatFen(m.issuedFen)}/${formatFen(m.budgetFen)}  ${m.name}`).join('\n') || 'no make-goods');
    });

  group
    .command('recipients')
    .description('who gets (or got, or will not get) one')
    .argument('<id>', 'make-good id', makegoodIdArg)
    .addOption(new Option('--state <state>').choices(RECIPIENT_STATES))
    .option('--limit <n>', '1..999', intIn(1, 999), 100)
    .action(async (id: MakegoodId, o: { state?: RecipientState; limit: number }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const page = await ctx.withSystem((s) => s.deps.store.makegoods.recipients(id, { limit: o.limit, ...(o.state ? { state: o.state } : {}) }));
      ctx.emit(page.items.map(recipientView), () => page.items.map((r) => `${r.accountId}  ${r.state}${r.couponId ? `  ${r.couponId}` : ''}`).join('\n') || 'none');
    });
}
