import { readFileSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { incidentDeps } from '../../app/job-handlers.js';
import { sha256 } from '../../adapters/node/crypto.js';
import { directorySink, readBundle } from '../../adapters/node/evidence-bundle.js';
import type { AuditEntry } from '../../core/audit/audit.js';
import { exportEvidence, verifyBundle, verifyProofAgainstLog } from '../../core/incidents/evidence.js';
import { ACCOUNT_CLASSES, DISPOSITIONS, INCIDENT_ID_PATTERN, SCOPE_KINDS, type AccountClass, type Disposition, type IncidentAction, type IncidentId, type ScopeKind } from '../../core/incidents/incident.js';
import { parseAccountList, parseValueList } from '../../core/incidents/list-file.js';
import { maskAggregates, maskTrace } from '../../core/incidents/mask.js';
import { campaignLoss, incidentLoss, type IncidentLossReport } from '../../core/incidents/report.js';
import { incidentAggregates, trace, traceSubject, type Trace, type TraceKind, type TraceOrder } from '../../core/incidents/trace.js';
import {
  actOnIncidentOrder,
  addScope,
  blockRingMembers,
  classifyAccounts,
  closeIncident,
  importRingClasses,
  incidentSummary,
  openIncident,
  setLeniency,
  startIncidentJob,
  type AccountClassInput,
  type RawSelector,
} from '../../core/incidents/use-cases.js';
import type { CampaignId, OrderId } from '../../core/shared/ids.js';
import { formatFen } from '../../core/shared/money.js';
import { incidentView, memberView, summaryView, timelineView } from '../../http/incident-views.js';
import { lossPage } from '../../http/loss-page.js';
import { iso } from '../../http/views.js';
import { idOf, intIn, isoTime, nonEmpty } from '../args.js';
import { CliError, ctxOf, unwrap, type CliRuntime, type Ctx } from '../context.js';
import { reportOutcome, runJobHere } from './jobs.js';

const incidentIdArg = (v: string): IncidentId => {
  if (!new RegExp(INCIDENT_ID_PATTERN).test(v)) throw new CliError(`not an incident id: ${v}`);
  return v as IncidentId;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

function readList(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** Selector options shared by `open` and `scope add`: one flag per kind (repeatable), and --file KIND=PATH for lists. */
interface SelectorOptions {
  campaign?: string[];
  couponType?: string[];
  code?: string[];
  batch?: string[];
  account?: string[];
  order?: string[];
  target?: string[];
  rule?: string[];
  ring?: string[];
  file?: string[];
}

const SELECTOR_FLAGS: [keyof SelectorOptions, ScopeKind, string][] = [
  ['campaign', 'campaign', '--campaign <id>'],
  ['couponType', 'coupon_type', '--coupon-type <type>'],
  ['code', 'code', '--code <id>'],
  ['batch', 'batch', '--batch <id>'],
  ['account', 'account', '--account <id>'],
  ['order', 'order', '--order <id>'],
  ['target', 'topup_target', '--target <target>'],
  ['rule', 'rule', '--rule <id>'],
  ['ring', 'ring', '--ring <id>'],
];

function withSelectors(cmd: Command): Command {
  for (const [, kind, flag] of SELECTOR_FLAGS) cmd.option(flag, `scope: ${kind.replace('_', ' ')} (repeatable)`, collect);
  return cmd.option('--file <kind=path>', `scope: a CSV list, one value per line (kind: ${SCOPE_KINDS.join(', ')}; repeatable)`, collect);
}

function selectorsOf(o: SelectorOptions): RawSelector[] {
  const out: RawSelector[] = [];
  for (const [key, kind] of SELECTOR_FLAGS) for (const v of (o[key] as string[] | undefined) ?? []) out.push({ kind, value: v });
  for (const spec of o.file ?? []) {
    const m = /^([a-z_]+)=(.+)$/.exec(spec);
    if (!m || !SCOPE_KINDS.includes(m[1] as ScopeKind)) throw new CliError(`--file takes KIND=PATH with KIND one of ${SCOPE_KINDS.join(', ')}`);
    for (const value of parseValueList(readList(m[2]!))) out.push({ kind: m[1] as ScopeKind, value });
  }
  return out;
}

function accountsOf(o: { sweptIn?: string[]; ringMembers?: string[]; accounts?: string[] }): AccountClassInput[] {
  const out: AccountClassInput[] = [];
  const add = (path: string, cls?: AccountClass) => {
    const r = parseAccountList(readList(path), cls);
    if (!r.ok) throw new CliError(`${path}: ${r.message}`);
    out.push(...r.accounts);
  };
  for (const p of o.sweptIn ?? []) add(p, 'swept_in');
  for (const p of o.ringMembers ?? []) add(p, 'ring_member');
  for (const p of o.accounts ?? []) add(p);
  return out;
}

function traceText(t: Trace): string {
  const orderLines = (o: TraceOrder, pad: string) => [
    `${pad}order ${o.order.id}  ${iso(o.order.at)}  ${o.order.status}  total ${formatFen(o.order.totalFen)}  discount ${formatFen(o.order.discountFen)}  ${o.order.decision} (${o.order.reasons.map((r) => r.code).join(',')})`,
    ...o.order.items.filter((i) => i.topupTarget).map((i) => `${pad}  tops up ${i.topupTarget}  ${formatFen(i.unitPriceFen * i.quantity)}`),
    `${pad}  events: ${o.events.map((e) => `${e.action} ${iso(e.at)} (${e.actor})`).join(' → ')}`,
    ...(o.incidents.length ? [`${pad}  incidents: ${o.incidents.map((i) => `${i.incidentId} ${i.disposition}`).join(', ')}`] : []),
  ];
  const lines = [`${t.subject.kind} ${t.subject.id}: ${t.chains.length} coupon(s), ${t.otherOrders.length} other order(s)${t.truncated ? ' (truncated)' : ''}`];
  for (const c of t.chains) {
    lines.push(`coupon ${c.coupon.id}  campaign ${c.coupon.campaignId}  ${formatFen(c.coupon.faceValueFen)}  ${c.coupon.status}`);
    if (c.code) lines.push(`  code ${c.code.id}  batch ${c.code.batchId}  event ${JSON.stringify(c.code.event)}  uses ${c.code.uses}/${c.code.useLimit}`);
    if (c.claim) {
      const k = c.claim;
      lines.push(`  claim ${k.id}  ${iso(k.at)}  account ${k.accountId}  via ${k.channel}  phone ${k.phone ?? '-'}  device ${k.deviceId ?? '-'}  ip ${k.ip ?? '-'}  identity ${k.identityHash ?? '-'}`);
      lines.push(`    → ${k.decision} (${k.reasons.map((r) => r.code).join(',')})  policy ${k.policyVersion}${k.rules.length ? `  rules ${k.rules.map((r) => r.ruleId).join(',')}` : ''}`);
    }
    for (const o of c.orders) lines.push(...orderLines(o, '  '));
  }
  for (const o of t.otherOrders) lines.push(...orderLines(o, ''));
  return lines.join('\n');
}

export function lossText(r: IncidentLossReport): string {
  const b = r.buckets;
  const cell = (c: { count: number; faceFen: number; discountFen: number }) => `${String(c.count).padStart(8)}  ${formatFen(c.faceFen).padStart(16)}  ${formatFen(c.discountFen).padStart(16)}`;
  return [
    `loss report: ${r.subject.kind} ${r.subject.id} ${JSON.stringify(r.subject.title)} at ${iso(r.at)}`,
    `${''.padEnd(28)}${'coupons'.padStart(8)}  ${'face value'.padStart(16)}  ${'discount given'.padStart(16)}`,
    `${'granted'.padEnd(28)}${cell(r.granted)}`,
    `${'redeemed'.padEnd(28)}${cell(r.redeemed)}`,
    `${'  fulfilled (lost)'.padEnd(28)}${cell(b.fulfilled)}`,
    `${'  frozen (recoverable)'.padEnd(28)}${cell(b.frozen)}`,
    `${'  cancelled (recovered)'.padEnd(28)}${cell(b.cancelled)}`,
    `${'  not frozen yet (at risk)'.padEnd(28)}${cell(b.pending)}`,
    `${'unused'.padEnd(28)}${cell(r.unused)}`,
    `${'  still valid'.padEnd(28)}${cell(b.unusedOpen)}`,
    `${'  expired'.padEnd(28)}${cell(b.unusedExpired)}`,
    `${'  revoked'.padEnd(28)}${cell(b.unusedRevoked)}`,
    `real loss ${formatFen(r.realLossFen)}, recoverable ${formatFen(r.recoverableFen)}, recovered ${formatFen(r.recoveredFen)}, at risk ${formatFen(r.atRiskFen)}`,
    `granted = redeemed + unused: ${r.checks.grantedIsRedeemedPlusUnused ? 'yes' : 'NO'}; redeemed = fulfilled + frozen + cancelled + at risk: ${r.checks.redeemedIsFulfilledFrozenCancelledPending ? 'yes' : 'NO'}`,
    ...(r.orders ? [`orders in scope: ${Object.entries(r.orders).map(([k, v]) => `${k} ${v}`).join(', ') || 'none yet'}`] : []),
  ].join('\n');
}

async function bulkOrOne(ctx: Ctx, action: IncidentAction, id: IncidentId, o: { order?: OrderId; class?: AccountClass | 'unclassified'; note?: string; batch?: number; force?: boolean }) {
  await ctx.withSystem(async (s) => {
    if (o.order) {
      if (o.class) throw new CliError('give --order or --class, not both');
      const m = unwrap(await actOnIncidentOrder(s.deps, id, o.order, action, ctx.actor, o.note));
      ctx.emit(memberView(m), () => `order ${m.orderId}: ${m.disposition}`);
      return;
    }
    const started = unwrap(await startIncidentJob(s.deps, id, action, o.class ? { class: o.class } : {}, ctx.actor));
    if (started.resumed) ctx.io.err(`resuming job ${started.job.id} (${started.job.status}, ${started.job.phase ?? '-'} ${started.job.done}/${started.job.total ?? '?'})`);
    else if (!ctx.json) ctx.io.err(`job ${started.job.id}`);
    reportOutcome(ctx, await runJobHere(ctx, s, started.job.id, { ...(o.batch ? { batch: o.batch } : {}), ...(o.force ? { force: true } : {}) }));
  });
}

/** `couponguard incident ...`: open, scope, classify, freeze, release, cancel, trace, export, verify, report. */
export function incidentCommands(program: Command, rt: CliRuntime): void {
  const group = program.command('incident').description('incidents: scope, bulk freeze, tracing, evidence, loss');

  withSelectors(
    group
      .command('open')
      .description('open an incident with its scope (audited); an order is in scope when it matches any selector and the window')
      .requiredOption('--title <text>', 'what happened', nonEmpty(200))
      .option('--note <text>', 'details', nonEmpty(2000))
      .option('--from <time>', 'window start (ISO time)', isoTime)
      .option('--to <time>', 'window end (ISO time)', isoTime),
  )
    .option('--swept-in <file>', 'CSV of swept-in consumers (account ids; repeatable)', collect)
    .option('--ring-members <file>', 'CSV of ring members (account id[,ring]; repeatable)', collect)
    .addOption(new Option('--swept-in-orders <policy>', 'what a freeze does to swept-in consumers\' orders').choices(['keep', 'freeze']))
    .option('--no-block-ring-members', 'do not put ring members on the block list when asked to block')
    .action(async (o: SelectorOptions & { title: string; note?: string; from?: number; to?: number; sweptIn?: string[]; ringMembers?: string[]; sweptInOrders?: 'keep' | 'freeze'; blockRingMembers: boolean }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      if ((o.from === undefined) !== (o.to === undefined)) throw new CliError('give both --from and --to, or neither');
      const scope = selectorsOf(o);
      const accounts = accountsOf(o);
      const inc = await ctx.withSystem(async (s) =>
        unwrap(
          await openIncident(
            incidentDeps(s.deps),
            {
              title: o.title,
              scope,
              accounts,
              ...(o.note ? { note: o.note } : {}),
              window: o.from !== undefined && o.to !== undefined ? { from: o.from, to: o.to } : null,
              leniency: { ...(o.sweptInOrders ? { sweptInOrders: o.sweptInOrders } : {}), blockRingMembers: o.blockRingMembers },
            },
            ctx.actor,
          ),
        ),
      );
      ctx.emit(incidentView(inc), () => `opened ${inc.id}: ${inc.title} (${scope.length} scope selector(s), ${accounts.length} classified account(s))`);
    });

  const scope = group.command('scope').description("an incident's scope");
  withSelectors(scope.command('add').description('add to the scope (audited)').argument('<id>', 'incident id', incidentIdArg)).action(
    async (id: IncidentId, o: SelectorOptions, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const selectors = selectorsOf(o);
      const r = await ctx.withSystem(async (s) => unwrap(await addScope(incidentDeps(s.deps), id, selectors, ctx.actor)));
      ctx.emit(r, () => `${r.added} new selector(s) (of ${selectors.length})`);
    },
  );

  group
    .command('classify')
    .description('classify accounts as ring members or swept-in consumers (an operator list, or --from-rings; audited)')
    .argument('<id>', 'incident id', incidentIdArg)
    .option('--swept-in <file>', 'CSV of swept-in consumers (repeatable)', collect)
    .option('--ring-members <file>', 'CSV of ring members: account id[,ring] (repeatable)', collect)
    .option('--accounts <file>', 'CSV: account id,class[,ring] (repeatable)', collect)
    .option('--from-rings', 'ask ring detection about every account in scope (an operator\'s entries stand)')
    .action(async (id: IncidentId, o: { sweptIn?: string[]; ringMembers?: string[]; accounts?: string[]; fromRings?: boolean }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const list = accountsOf(o);
      if (!list.length && !o.fromRings) throw new CliError('give --swept-in, --ring-members, --accounts or --from-rings');
      const r = await ctx.withSystem(async (s) => {
        const listed = list.length ? unwrap(await classifyAccounts(s.deps, id, list, ctx.actor)).changed : 0;
        const rings = o.fromRings ? unwrap(await importRingClasses(incidentDeps(s.deps), id, ctx.actor)).changed : 0;
        return { changed: listed + rings };
      });
      ctx.emit(r, () => `${r.changed} account(s) classified`);
    });

  group
    .command('leniency')
    .description('set the policy for swept-in consumers (audited)')
    .argument('<id>', 'incident id', incidentIdArg)
    .addOption(new Option('--swept-in-orders <policy>').choices(['keep', 'freeze']))
    .option('--block-ring-members', 'block ring members when asked to')
    .option('--no-block-ring-members', 'never block anyone for this incident')
    .action(async (id: IncidentId, o: { sweptInOrders?: 'keep' | 'freeze'; blockRingMembers?: boolean }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const inc = await ctx.withSystem(async (s) => unwrap(await setLeniency(s.deps, id, { ...(o.sweptInOrders ? { sweptInOrders: o.sweptInOrders } : {}), ...(o.blockRingMembers !== undefined ? { blockRingMembers: o.blockRingMembers } : {}) }, ctx.actor)));
      ctx.emit(incidentView(inc), () => `leniency: swept-in orders ${inc.leniency.sweptInOrders}, block ring members ${inc.leniency.blockRingMembers}`);
    });

  group
    .command('list')
    .description('incidents')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const page = await ctx.withSystem((s) => s.deps.store.incidents.list({ limit: 999 }));
      ctx.emit(page.items.map(incidentView), () => page.items.map((i) => `${i.id}  ${i.status.padEnd(6)}  ${iso(i.createdAt)}  ${i.title}`).join('\n') || 'no incidents');
    });

  group
    .command('show')
    .description('an incident: scope, orders by disposition, running job, timeline')
    .argument('<id>', 'incident id', incidentIdArg)
    .action(async (id: IncidentId, _o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const [sum, timeline] = await ctx.withSystem(async (s) => [unwrap(await incidentSummary(s.deps, id)), await s.deps.store.incidents.timeline(id)] as const);
      const v = summaryView(sum);
      ctx.emit({ ...v, timeline: timeline.map(timelineView) }, () =>
        [
          `${v.id}  ${v.status}  ${v.title}`,
          `window    ${v.window ? `${v.window.from} .. ${v.window.to}` : '-'}`,
          `leniency  swept-in orders ${v.leniency.sweptInOrders}, block ring members ${v.leniency.blockRingMembers}`,
          `scope     ${Object.entries(v.scope).map(([k, n]) => `${k} ${n}`).join(', ')}`,
          `orders    ${Object.entries(v.orders).map(([k, n]) => `${k} ${n}`).join(', ') || '-'}`,
          `job       ${v.activeJob ? `${v.activeJob.id} ${v.activeJob.kind} ${v.activeJob.status} ${v.activeJob.phase ?? '-'} ${v.activeJob.done}/${v.activeJob.total ?? '?'}` : '-'}`,
          'timeline',
          ...timeline.map((e: AuditEntry) => `  #${e.seq} ${iso(e.at)}  ${e.actor}  ${e.action}  ${JSON.stringify(e.details)}`),
        ].join('\n'),
      );
    });

  group
    .command('orders')
    .description("the incident's orders and what it did to each")
    .argument('<id>', 'incident id', incidentIdArg)
    .addOption(new Option('--disposition <d>').choices(DISPOSITIONS))
    .option('--limit <n>', '1..999', intIn(1, 999), 100)
    .action(async (id: IncidentId, o: { disposition?: Disposition; limit: number }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const page = await ctx.withSystem((s) => s.deps.store.incidents.members(id, { limit: o.limit, ...(o.disposition ? { disposition: o.disposition } : {}) }));
      ctx.emit(page.items.map(memberView), () => page.items.map((m) => `${m.orderId}  ${m.accountId}  ${m.disposition}${m.priorStatus ? ` (was ${m.priorStatus})` : ''}`).join('\n') || 'no orders');
    });

  for (const action of ['freeze', 'release', 'cancel'] as const) {
    const cmd = group
      .command(action)
      .description(
        action === 'freeze'
          ? 'freeze every open order in scope (fulfilled ones are flagged; swept-in consumers spared if the policy says so), or one order; resumable, with progress'
          : `${action} the orders this incident froze (optionally of one class), or one order; resumable, with progress`,
      )
      .argument('<id>', 'incident id', incidentIdArg)
      .option('--order <id>', 'just this order', idOf<OrderId>('order'))
      .option('--note <text>', 'why (one order)', nonEmpty(500))
      .option('--batch <n>', 'orders per batch (one transaction each)', intIn(1, 100_000))
      .option('--force', 'take over the job from a runner whose lease is still fresh (that process is gone)');
    if (action !== 'freeze') cmd.addOption(new Option('--class <class>', 'only orders of accounts of this class').choices([...ACCOUNT_CLASSES, 'unclassified']));
    cmd.action(async (id: IncidentId, o: { order?: OrderId; class?: AccountClass | 'unclassified'; note?: string; batch?: number; force?: boolean }, c: Command) => bulkOrOne(ctxOf(rt, c), action, id, o));
  }

  group
    .command('block')
    .description('put the ring members on the risk block list (never swept-in consumers; audited)')
    .argument('<id>', 'incident id', incidentIdArg)
    .action(async (id: IncidentId, _o: unknown, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const r = await ctx.withSystem(async (s) => unwrap(await blockRingMembers(s.deps, id, ctx.actor)));
      ctx.emit(r, () => `${r.blocked} ring member(s) blocked, ${r.already} already were`);
    });

  group
    .command('close')
    .description('close the incident (audited)')
    .argument('<id>', 'incident id', incidentIdArg)
    .option('--note <text>', 'why', nonEmpty(500))
    .action(async (id: IncidentId, o: { note?: string }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const inc = await ctx.withSystem(async (s) => unwrap(await closeIncident(s.deps, id, ctx.actor, o.note)));
      ctx.emit(incidentView(inc), () => `${inc.id} closed`);
    });

  group
    .command('trace')
    .description('trace a coupon, order, account, code or top-up target back to its sources (personal data masked unless --clear)')
    .option('--coupon <id>')
    .option('--order <id>')
    .option('--account <id>')
    .option('--code <id>')
    .option('--target <target>', 'phone:13800138000 (or the number), qq:..., game_account:...')
    .option('--incident <id>', 'instead: where an incident\'s orders concentrate (per ring, target, device, network)', incidentIdArg)
    .option('--clear', 'show phones, IPs and identity hashes in clear')
    .option('--limit <n>', 'coupons and orders at most', intIn(1, 10_000), 100)
    .action(async (o: { coupon?: string; order?: string; account?: string; code?: string; target?: string; incident?: IncidentId; clear?: boolean; limit: number }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const given = (['coupon', 'order', 'account', 'code', 'target'] as const).filter((k) => o[k] !== undefined);
      if (o.incident) {
        if (given.length) throw new CliError('give --incident alone');
        const a = await ctx.withSystem(async (s) => maskAggregates(unwrap(await incidentAggregates(s.deps, o.incident!, Math.min(o.limit, 1000))), o.clear ?? false));
        ctx.emit(a, () =>
          Object.entries(a)
            .map(([dim, rows]) => [`per ${dim}:`, ...rows.map((r) => `  ${r.key.padEnd(28)} ${String(r.orders).padStart(8)} orders  ${String(r.accounts).padStart(6)} accounts  ${formatFen(r.discountFen).padStart(14)}  frozen ${r.frozen}  fulfilled ${r.fulfilled}`)].join('\n'))
            .join('\n'),
        );
        return;
      }
      if (given.length !== 1) throw new CliError('give one of --coupon, --order, --account, --code, --target (or --incident)');
      const kind = given[0]! as TraceKind;
      const subject = unwrap(traceSubject(kind, o[kind]!));
      const t = await ctx.withSystem(async (s) => maskTrace(unwrap(await trace(s.deps, subject, o.limit)), o.clear ?? false));
      ctx.emit(t, () => traceText(t));
    });

  group
    .command('export')
    .description('write the evidence bundle (scope, orders, decisions, traces, timeline, loss, manifest of hashes, audit proof) into a new directory (audited)')
    .argument('<id>', 'incident id', incidentIdArg)
    .requiredOption('--out <dir>', 'a new (or empty) directory')
    .option('--clear', 'personal data in clear (default: masked)')
    .action(async (id: IncidentId, o: { out: string; clear?: boolean }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      let sink;
      try {
        sink = directorySink(o.out);
      } catch (e) {
        throw new CliError(e instanceof Error ? e.message : String(e));
      }
      const r = await ctx.withSystem(async (s) =>
        unwrap(await exportEvidence(s.deps, id, sink, { clear: o.clear ?? false, actor: ctx.actor, role: 'cli', onFile: (n) => !ctx.json && ctx.io.err(`writing ${n}`) })),
      );
      ctx.emit({ dir: o.out, ...r }, () =>
        [`evidence for ${id} in ${o.out}${o.clear ? '' : ' (personal data masked)'}`, ...r.manifest.files.map((f) => `  ${f.name.padEnd(16)} ${String(f.lines).padStart(9)} lines  ${f.sha256}`), `manifest sha256 ${r.manifestSha256} (sealed in the audit log)`].join('\n'),
      );
    });

  group
    .command('verify')
    .description('verify an evidence bundle (a directory, or a packed JSON file from the API): file hashes, manifest seal, audit hash chain; exit 1 if anything is off')
    .argument('<bundle>', 'bundle directory or packed .json file')
    .option('--live', 'also compare its audit proof with this database\'s audit log')
    .action(async (path: string, o: { live?: boolean }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      let b;
      try {
        b = readBundle(path);
      } catch (e) {
        throw new CliError(`cannot read the bundle: ${e instanceof Error ? e.message : String(e)}`);
      }
      // Offline by default: no database is opened (or created) unless --live asks for it.
      const v = verifyBundle(sha256, b);
      const problems = [...v.problems];
      if (o.live && b.proofText) {
        const proofText = b.proofText;
        await ctx.withSystem(async (s) => {
          const seqs = new Map<number, { hash: string; prevHash: string }>();
          for await (const e of s.deps.store.audit.all()) seqs.set(e.seq, { hash: e.hash, prevHash: e.prevHash });
          problems.push(...verifyProofAgainstLog(proofText, seqs));
        });
      }
      const ok = problems.length === 0;
      if (!ok) ctx.fail(1);
      ctx.emit({ ...v, ok, problems }, () =>
        ok
          ? `bundle intact: ${v.files} files, ${v.auditEntries} audit entries, sealed at seq ${v.exportEntry?.seq} (${v.exportEntry?.hash})${o.live ? '; matches the live audit log' : ''}`
          : [`bundle BROKEN (${problems.length} problem(s)):`, ...problems.map((p) => `  ${p}`)].join('\n'),
      );
    });

  group
    .command('report')
    .description('live loss accounting for an incident (or --campaign); --html writes the page with a chart')
    .argument('[id]', 'incident id', incidentIdArg)
    .option('--campaign <id>', 'a campaign instead of an incident', idOf<CampaignId>('campaign'))
    .option('--html <file>', 'also write the report as an HTML page')
    .action(async (id: IncidentId | undefined, o: { campaign?: CampaignId; html?: string }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      if (!!id === !!o.campaign) throw new CliError('give an incident id or --campaign');
      const r = await ctx.withSystem(async (s) => unwrap(id ? await incidentLoss(s.deps, id) : await campaignLoss(s.deps, o.campaign!)));
      if (o.html) writeFileSync(o.html, lossPage(r), { mode: 0o600 });
      ctx.emit(r, () => `${lossText(r)}${o.html ? `\nHTML report: ${o.html}` : ''}`);
    });
}
