import { Option, type Command } from 'commander';
import type { AlertStatus } from '../../core/monitor/alerts.js';
import { SERIES_METRICS, minuteOf, type SeriesKey } from '../../core/monitor/series.js';
import { CHANNELS } from '../../core/shared/channels.js';
import type { PauseScope } from '../../ports/store.js';
import { iso } from '../../http/views.js';
import { intIn, nonEmpty } from '../args.js';
import { CliError, ctxOf, type CliRuntime } from '../context.js';

/** `couponguard monitor`, `alerts`, `pause`, `resume`: the live view and the kill switch. */
export function monitorCommands(program: Command, rt: CliRuntime): void {
  program
    .command('monitor')
    .description('per-minute series of a scope, rebuilt from the store (campaign:<id>, type:<name>, channel:<name> or total)')
    .argument('[key]', 'scope', 'total')
    .option('--minutes <n>', 'how far back', intIn(1, 1440), 30)
    .action(async (key: string, o: { minutes: number }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      if (!/^(total|campaign:cmp_\w{26}|type:[\w-]{1,64}|channel:[a-z_]{2,20})$/.test(key)) throw new CliError(`not a scope: ${key}`);
      const rows = await ctx.withSystem(async (s) => {
        await s.monitor.tick();
        const now = minuteOf(s.deps.clock.now());
        const out = [];
        for (let m = now - o.minutes + 1; m <= now; m++)
          out.push({ minute: iso(m * 60_000)!, ...Object.fromEntries(SERIES_METRICS.map((x) => [x, s.monitor.monitor.series.get(key as SeriesKey, m, x)])) });
        return out;
      });
      ctx.emit(rows, () =>
        [`${'minute'.padEnd(20)}${SERIES_METRICS.map((m) => m.padStart(12)).join('')}`, ...rows.map((r) => `${r.minute.slice(0, 16).padEnd(20)}${SERIES_METRICS.map((m) => String((r as Record<string, unknown>)[m]).padStart(12)).join('')}`)].join('\n'),
      );
    });

  const alerts = program.command('alerts').description('alerts raised by the monitor');
  alerts
    .command('list')
    .addOption(new Option('--status <status>').choices(['open', 'acknowledged', 'resolved']))
    .action(async (o: { status?: AlertStatus }, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const page = await ctx.withSystem((s) => s.deps.store.monitoring.listAlerts({ status: o.status, limit: 200 }));
      ctx.emit(page.items, () => page.items.map((a) => `${a.id} ${a.status.padEnd(12)} ${a.severity.padEnd(8)} ×${a.count} ${iso(a.firstAt)} ${a.title}${a.action ? ` [${a.action}]` : ''}`).join('\n') || 'no alerts');
    });
  for (const [name, to] of [['ack', 'acknowledged'], ['resolve', 'resolved']] as const) {
    alerts
      .command(name)
      .argument('<id>', 'alert id', nonEmpty(40))
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const ctx = ctxOf(rt, cmd);
        const r = await ctx.withSystem((s) => s.deps.store.monitoring.setAlertStatus(id, to, s.deps.clock.now(), ctx.actor));
        if (!r.alert) throw new CliError(`alert ${id} not found (NOT_FOUND)`);
        if (!r.changed) throw new CliError(`alert ${id} is ${r.alert.status} (INVALID_STATE)`);
        ctx.emit(r.alert, () => `${id}: ${to}`);
      });
  }

  for (const action of ['pause', 'resume'] as const) {
    program
      .command(action)
      .description(`kill switch: ${action} a coupon type or a channel in every process sharing the store (audited); campaigns: couponguard campaign ${action}`)
      .addOption(new Option('--type <name>', 'coupon type').conflicts('channel'))
      .addOption(new Option('--channel <name>').choices(CHANNELS))
      .option('--reason <text>', 'why', nonEmpty(300))
      .action(async (o: { type?: string; channel?: string; reason?: string }, cmd: Command) => {
        const ctx = ctxOf(rt, cmd);
        const kind: PauseScope | null = o.type ? 'type' : o.channel ? 'channel' : null;
        const value = o.type ?? o.channel;
        if (!kind || !value) throw new CliError('give --type NAME or --channel NAME');
        const changed = await ctx.withSystem(async (s) => {
          const audit = { actor: ctx.actor, action: `${kind}.${action}`, target: value, details: { reason: o.reason ?? 'kill switch' } };
          const now = s.deps.clock.now();
          return action === 'pause' ? s.deps.store.monitoring.pause(kind, value, o.reason ?? 'kill switch', now, audit) : s.deps.store.monitoring.resume(kind, value, now, audit);
        });
        if (!changed) throw new CliError(`${kind} ${value} is ${action === 'pause' ? 'already paused' : 'not paused'} (INVALID_STATE)`);
        ctx.emit({ kind, value, paused: action === 'pause' }, () => `${kind} ${value} ${action === 'pause' ? 'paused' : 'resumed'}`);
      });
  }
}
