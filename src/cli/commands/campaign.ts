import { Option, type Command } from 'commander';
import type { CampaignAction, CampaignState } from '../../core/campaigns/campaign.js';
import { CAMPAIGN_STATES } from '../../core/campaigns/campaign.js';
import { changeCampaignState, createCampaign, getCampaign } from '../../core/campaigns/use-cases.js';
import type { CampaignId } from '../../core/shared/ids.js';
import { campaignView } from '../../http/views.js';
import { idOf, nonEmpty } from '../args.js';
import { readCampaignFile } from '../campaign-file.js';
import { ctxOf, unwrap, type CliRuntime } from '../context.js';
import { campaignDetails, campaignLine } from '../format.js';

export function campaignCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('campaign').description('create, inspect and change the state of campaigns');

  group
    .command('create')
    .description('create a campaign from a JSON file shaped like the POST /v1/campaigns body (ISO times)')
    .requiredOption('--file <path>', 'campaign JSON file')
    .action(async (opts: { file: string }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const input = await readCampaignFile(opts.file);
      const c = await ctx.withSystem(async (s) => unwrap(await createCampaign(s.deps, input, ctx.actor)));
      ctx.emit(
        campaignView(c, { grantedCount: 0, grantedFen: 0 }),
        () => `created ${c.state} campaign\n${campaignDetails(c)}`,
      );
    });

  group
    .command('list')
    .description('list campaigns')
    .addOption(new Option('--state <state>', 'only campaigns in this state').choices(CAMPAIGN_STATES))
    .action(async (opts: { state?: CampaignState }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const all = await ctx.withSystem(async (s) => {
        const items = [];
        let after: string | undefined;
        do {
          const p = await s.deps.store.campaigns.list({ state: opts.state, limit: 500, after });
          items.push(...p.items);
          after = p.next ?? undefined;
        } while (after);
        return items;
      });
      ctx.emit(
        all.map((c) => campaignView(c)),
        () => (all.length ? all.map(campaignLine).join('\n') : 'no campaigns'),
      );
    });

  group
    .command('show')
    .description('a campaign with its budget usage')
    .argument('<id>', 'campaign id', idOf<CampaignId>('campaign'))
    .action(async (id: CampaignId, _opts: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const v = await ctx.withSystem(async (s) => unwrap(await getCampaign(s.deps, id)));
      ctx.emit(campaignView(v.campaign, v.usage), () => campaignDetails(v.campaign, v.usage));
    });

  for (const action of ['pause', 'resume', 'activate', 'end'] as const satisfies readonly CampaignAction[]) {
    group
      .command(action)
      .description(`${action} a campaign (audited)`)
      .argument('<id>', 'campaign id', idOf<CampaignId>('campaign'))
      .option('--note <text>', 'why, for the audit log', nonEmpty(500))
      .action(async (id: CampaignId, opts: { note?: string }, cmd: Command) => {
        const ctx = ctxOf(rt, cmd);
        const { c, usage } = await ctx.withSystem(async (s) => {
          const c = unwrap(await changeCampaignState(s.deps, id, action, ctx.actor, opts.note));
          return { c, usage: await s.deps.store.campaigns.usage(c.id) };
        });
        ctx.emit(campaignView(c, usage), () => `${c.id} is now ${c.state}`);
      });
  }
}
