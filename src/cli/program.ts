import { createRequire } from 'node:module';
import { Command } from 'commander';
import { auditCommands } from './commands/audit.js';
import { campaignCommands } from './commands/campaign.js';
import { codeCommands } from './commands/codes.js';
import { incidentCommands } from './commands/incident.js';
import { jobCommands } from './commands/jobs.js';
import { makegoodCommands } from './commands/makegood.js';
import { keyCommands } from './commands/keys.js';
import { monitorCommands } from './commands/monitor.js';
import { replayCommand } from './commands/replay.js';
import { revokeCommand } from './commands/revoke.js';
import { listCommands, policyCommands, reviewCommands } from './commands/risk.js';
import { ringCommands } from './commands/rings.js';
import { serveCommand } from './commands/serve.js';
import type { CliRuntime } from './context.js';

// package.json sits two levels up from both src/cli and dist/cli.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** The command tree. Built afresh per `run()`: commander keeps parse state on its objects. */
export function buildProgram(rt: CliRuntime): Command {
  const program = new Command('couponguard')
    .description('couponguard: coupon platform with a built-in risk engine')
    .version(version)
    .option('--db <path>', 'SQLite database file (default: env COUPONGUARD_DB or data/couponguard.db)')
    .option('--json', 'print results as JSON')
    // Set before adding commands: subcommands inherit both.
    .exitOverride()
    .configureOutput({ writeOut: (s) => rt.io.out(s.trimEnd()), writeErr: (s) => rt.io.err(s.trimEnd()) })
    .showHelpAfterError('(run with --help for usage)');
  serveCommand(program, rt);
  campaignCommands(program, rt);
  codeCommands(program, rt);
  keyCommands(program, rt);
  auditCommands(program, rt);
  incidentCommands(program, rt);
  makegoodCommands(program, rt);
  jobCommands(program, rt);
  monitorCommands(program, rt);
  revokeCommand(program, rt);
  policyCommands(program, rt);
  listCommands(program, rt);
  reviewCommands(program, rt);
  ringCommands(program, rt);
  replayCommand(program, rt);
  return program;
}
