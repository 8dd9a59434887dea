import type { Command } from 'commander';
import { verifyAuditChain, type AuditEntry } from '../../core/audit/audit.js';
import { ctxOf, type CliRuntime } from '../context.js';

/** The SQLite store streams the chain; a networked store yields asynchronously and is collected first. */
async function entries(
  source: AsyncIterable<AuditEntry> | Iterable<AuditEntry>,
): Promise<Iterable<AuditEntry>> {
  if (Symbol.iterator in source) return source;
  const all: AuditEntry[] = [];
  for await (const e of source) all.push(e);
  return all;
}

export function auditCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('audit').description('the append-only audit log');

  group
    .command('verify')
    .description('verify the audit hash chain; exit code 1 and the first broken seq when it is broken')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const r = await ctx.withSystem(async (s) =>
        verifyAuditChain(s.deps.sha256, await entries(s.deps.store.audit.all())),
      );
      if (r.ok) {
        ctx.emit(r, () => `audit chain intact: ${r.count} entries`);
        return;
      }
      ctx.fail(1);
      ctx.emit(r, () => `audit chain BROKEN at seq ${r.seq}: ${r.problem}`);
    });
}
