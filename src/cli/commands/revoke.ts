import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { startRevoke, type RevokeScope } from '../../core/coupons/revoke.js';
import { countsText, describeOutcome } from '../../core/jobs/service.js';
import { idOf, isoTime, nonEmpty } from '../args.js';
import { CliError, ctxOf, unwrap, type CliRuntime } from '../context.js';
import { runJobHere } from './jobs.js';

/** `couponguard revoke`: every unused coupon of a scope, as a resumable job with a progress bar. */
export function revokeCommand(program: Command, rt: CliRuntime): void {
  program
    .command('revoke')
    .description('revoke every unused coupon of a campaign, a coupon type, a code batch or a list of accounts (resumable, audited)')
    .option('--campaign <id>', 'campaign id', idOf('campaign'))
    .option('--type <name>', 'coupon type', nonEmpty(64))
    .option('--batch <id>', 'code batch id: coupons claimed with its codes', idOf('batch'))
    .option('--accounts <file>', 'file with one account id per line')
    .option('--from <time>', 'only coupons granted at or after (ISO)', isoTime)
    .option('--to <time>', 'only coupons granted before (ISO)', isoTime)
    .requiredOption('--reason <text>', 'why (audited)', nonEmpty(300))
    .action(async (o: { campaign?: string; type?: string; batch?: string; accounts?: string; from?: number; to?: number; reason: string }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      let accountIds: string[] | undefined;
      if (o.accounts) {
        const text = await readFile(o.accounts, 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new CliError(`cannot read ${o.accounts}: ${e.code ?? String(e)}`);
        });
        accountIds = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
      }
      const scope: RevokeScope = {
        ...(o.campaign ? { campaignId: o.campaign } : {}),
        ...(o.type ? { couponType: o.type } : {}),
        ...(o.batch ? { batchId: o.batch } : {}),
        ...(accountIds ? { accountIds } : {}),
        ...(o.from !== undefined ? { grantedFrom: o.from } : {}),
        ...(o.to !== undefined ? { grantedTo: o.to } : {}),
      };
      const outcome = await ctx.withSystem(async (s) => {
        const job = unwrap(await startRevoke(s.deps, scope, o.reason, ctx.actor));
        ctx.io.err(`job ${job.id}: if interrupted, resume with: couponguard jobs resume ${job.id}`);
        return runJobHere(ctx, s, job.id);
      });
      if (outcome.kind !== 'done') {
        ctx.fail();
        ctx.io.err(describeOutcome(outcome));
        return;
      }
      ctx.emit(outcome.job, () => `revoked: ${countsText(outcome.job.counts)} (job ${outcome.job.id})`);
    });
}
