import { Option, type Command } from 'commander';
import { createApiKey } from '../../core/keys.js';
import { ROLES, type Role } from '../../ports/store.js';
import { nonEmpty } from '../args.js';
import { ctxOf, type CliRuntime } from '../context.js';

export function keyCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('keys').description('API keys');

  group
    .command('create')
    .description('create an API key; it is printed once and stored only as a hash')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .requiredOption('--name <name>', 'who or what the key is for', nonEmpty(200))
    .action(async (opts: { role: Role; name: string }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const k = await ctx.withSystem((s) => createApiKey(s.deps, opts.role, opts.name, ctx.actor));
      ctx.emit({ ...k, name: opts.name }, () =>
        [
          `created ${k.role} key ${k.id} (${opts.name})`,
          `key: ${k.key}`,
          'store it now: it cannot be shown again',
        ].join('\n'),
      );
    });
}
