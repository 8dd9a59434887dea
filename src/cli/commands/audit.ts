import type { Command } from 'commander';
import { verifyAuditChain, type AuditEntry } from '../../core/audit/audit.js';
import { CliError, ctxOf, type CliRuntime } from '../context.js';

/** The SQLite store streams the chain; a networked store yields asynchronously and is collected first. */
async function entries(
  source: AsyncIterable<AuditEntry> | Iterable<AuditEntry>,
): Promise<Iterable<AuditEntry>> {
  if (Symbol.iterator in source) return source;
  const all: AuditEntry[] = [];
  for await (const e of source) all.push(e);
  return all;
}

function collectAnchor(v: string, prev: { seq: number; hash: string }[] = []): { seq: number; hash: string }[] {
  const m = /^([1-9][0-9]{0,14}):([0-9a-f]{64})$/.exec(v);
  if (!m) throw new CliError('--anchor takes SEQ:HASH (from `couponguard audit head`)');
  return [...prev, { seq: Number(m[1]), hash: m[2]! }];
}

export function auditCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('audit').description('the append-only audit log');

  group
    .command('verify')
    .description('verify the audit hash chain; exit code 1 and the first broken seq when it is broken')
    .option('--anchor <seq:hash>', 'a head recorded earlier (`audit head`, an evidence manifest): the entry at that seq must still have that hash, so entries removed from the end are caught too (repeatable)', collectAnchor)
    .action(async (opts: { anchor?: { seq: number; hash: string }[] }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const [chain, all] = await ctx.withSystem(async (s) => {
        const list = [...(await entries(s.deps.store.audit.all()))];
        return [verifyAuditChain(s.deps.sha256, list), list] as const;
      });
      const anchors = (opts.anchor ?? []).map((a) => ({ ...a, found: all.find((e) => e.seq === a.seq)?.hash ?? null }));
      const bad = anchors.find((a) => a.found !== a.hash);
      const head = all.at(-1);
      const r = chain.ok && bad ? { ok: false as const, seq: bad.seq, problem: bad.found ? 'entry differs from the anchor' : 'entry missing (the log was cut short)' } : chain;
      if (r.ok) {
        ctx.emit({ ...r, head: head ? { seq: head.seq, hash: head.hash } : null, anchors: anchors.length }, () => `audit chain intact: ${r.count} entries${anchors.length ? `; ${anchors.length} anchor(s) match` : ''}`);
        return;
      }
      ctx.fail(1);
      ctx.emit(r, () => `audit chain BROKEN at seq ${r.seq}: ${r.problem}`);
    });

  group
    .command('head')
    .description('the last entry as seq:hash, to record elsewhere and check later with verify --anchor')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const head = await ctx.withSystem(async (s) => [...(await entries(s.deps.store.audit.all()))].at(-1) ?? null);
      ctx.emit(head ? { seq: head.seq, hash: head.hash } : null, () => (head ? `${head.seq}:${head.hash}` : 'the audit log is empty'));
    });
}
