import { resolve } from 'node:path';
import type { Command } from 'commander';
import { MAX_CODES_PER_BATCH, type CodeBatch } from '../../core/codes/batch.js';
import { issueCodeBatch, revokeCodeBatch } from '../../core/codes/use-cases.js';
import type { CoreDeps } from '../../core/deps.js';
import type { BatchId, CampaignId } from '../../core/shared/ids.js';
import { batchView, iso } from '../../http/views.js';
import { idOf, intIn, isoTime, nonEmpty } from '../args.js';
import { exportBatch, prepareExportDir } from '../code-export.js';
import { CliError, ctxOf, unwrap, type CliRuntime } from '../context.js';
import { batchLine } from '../format.js';
import { progressBar } from '../progress.js';

interface IssueOptions {
  campaign: CampaignId;
  count: number;
  event: string;
  expires: number;
  useLimit: number;
  out: string;
}

/** Writes the batch's QR images and CSV with a progress bar. */
async function writeExport(d: CoreDeps, batch: CodeBatch, out: string) {
  const bar = progressBar('writing', batch.count);
  try {
    return await exportBatch(d, batch, out, (n) => bar.update(n));
  } finally {
    bar.stop();
  }
}

export function codeCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('codes').description('issue, export, list and revoke signed claim codes');

  group
    .command('issue')
    .description(
      'issue a batch of signed codes for one offline event, and write a QR PNG + SVG per code and codes.csv',
    )
    .requiredOption('--campaign <id>', 'campaign id', idOf<CampaignId>('campaign'))
    .requiredOption('--count <n>', 'number of codes', intIn(1, MAX_CODES_PER_BATCH))
    .requiredOption(
      '--event <name>',
      'the event the codes are for, e.g. "TV recording 2019-01-19"',
      nonEmpty(200),
    )
    .requiredOption('--expires <iso>', 'code expiry (capped at the campaign end)', isoTime)
    .option('--use-limit <k>', 'claims per code', intIn(1, 1_000_000), 1)
    .requiredOption('--out <dir>', 'directory for the QR images and codes.csv')
    .action(async (opts: IssueOptions, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const out = resolve(opts.out);
      await prepareExportDir(out);
      const r = await ctx.withSystem(async (s) => {
        const bar = progressBar('signing', opts.count);
        const input = {
          campaignId: opts.campaign,
          event: opts.event,
          count: opts.count,
          useLimit: opts.useLimit,
          expiresAt: opts.expires,
        };
        let batch: CodeBatch;
        try {
          batch = unwrap(await issueCodeBatch(s.deps, input, ctx.actor, (done) => bar.update(done)));
        } finally {
          bar.stop();
        }
        try {
          return { batch, ...(await writeExport(s.deps, batch, out)) };
        } catch (e) {
          // The codes exist now; only their files are missing. Say how to get them.
          throw new CliError(
            `batch ${batch.id} was issued, but writing its files failed (${e instanceof Error ? e.message : String(e)}); ` +
              `write them with: couponguard codes export --batch ${batch.id} --out <new dir>`,
          );
        }
      });
      ctx.emit({ batch: batchView(r.batch), out, csv: r.csv, written: r.count }, () =>
        [
          `issued batch ${r.batch.id}: ${r.count} codes for ${JSON.stringify(r.batch.event)}, expiring ${iso(r.batch.expiresAt)}`,
          `QR images and ${r.csv} written to ${out}`,
        ].join('\n'),
      );
    });

  group
    .command('export')
    .description('write the QR images and codes.csv of an existing batch again')
    .requiredOption('--batch <id>', 'batch id', idOf<BatchId>('batch'))
    .requiredOption('--out <dir>', 'directory for the QR images and codes.csv')
    .action(async (opts: { batch: BatchId; out: string }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const out = resolve(opts.out);
      const r = await ctx.withSystem(async (s) => {
        const batch = await s.deps.store.codes.getBatch(opts.batch);
        if (!batch) throw new CliError(`batch ${opts.batch} not found (NOT_FOUND)`);
        if (batch.revokedAt !== null)
          ctx.io.err(`warning: batch ${batch.id} is revoked; its codes will be refused`);
        await prepareExportDir(out);
        return { batch, ...(await writeExport(s.deps, batch, out)) };
      });
      ctx.emit(
        { batch: batchView(r.batch), out, csv: r.csv, written: r.count },
        () => `${r.count} codes of ${r.batch.id} written to ${out}`,
      );
    });

  group
    .command('list')
    .description('the code batches of a campaign')
    .requiredOption('--campaign <id>', 'campaign id', idOf<CampaignId>('campaign'))
    .action(async (opts: { campaign: CampaignId }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const batches = await ctx.withSystem(async (s) => {
        if (!(await s.deps.store.campaigns.get(opts.campaign)))
          throw new CliError(`campaign ${opts.campaign} not found (NOT_FOUND)`);
        return s.deps.store.codes.listBatches(opts.campaign);
      });
      ctx.emit(batches.map(batchView), () =>
        batches.length ? batches.map(batchLine).join('\n') : 'no code batches',
      );
    });

  group
    .command('revoke')
    .description('revoke every code of a batch at once (audited)')
    .requiredOption('--batch <id>', 'batch id', idOf<BatchId>('batch'))
    .option('--note <text>', 'why, for the audit log', nonEmpty(500))
    .action(async (opts: { batch: BatchId; note?: string }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const b = await ctx.withSystem(async (s) =>
        unwrap(await revokeCodeBatch(s.deps, opts.batch, ctx.actor, opts.note)),
      );
      ctx.emit(batchView(b), () => `batch ${b.id} (${b.count} codes) revoked at ${iso(b.revokedAt)}`);
    });
}
