import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { buildApp } from '../../http/app.js';
import { intIn, nonEmpty } from '../args.js';
import { CliError, ctxOf, type CliRuntime, type Ctx } from '../context.js';
import { demoFile, readDemoInfo, sampleClaim, seedDemo, type DemoInfo } from '../demo.js';
import type { Composed } from '../../app/compose.js';

interface ServeOptions {
  port?: number;
  host?: string;
  demo?: boolean;
}

/** Resolves on the first SIGINT or SIGTERM; a second one gets Node's default (immediate exit). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

function printDemoKeys(ctx: Ctx, s: Composed, seeded: DemoInfo | null): void {
  const file = demoFile(s.config.dbPath);
  if (!seeded) {
    ctx.io.out(`the database already has campaigns: demo data not seeded again (keys: ${file})`);
    return;
  }
  ctx.io.out(`demo data seeded. API keys (shown once; also in ${file}, mode 600):`);
  for (const [role, key] of Object.entries(seeded.keys)) ctx.io.out(`  ${role.padEnd(8)} ${key}`);
}

async function printDemoClaim(ctx: Ctx, s: Composed, seeded: DemoInfo | null, url: string): Promise<void> {
  const info = seeded ?? readDemoInfo(s.config.dbPath);
  const curl = info ? await sampleClaim(s, info, url) : null;
  if (curl) ctx.io.out(`claim the ¥100 event coupon with one of the 20 "TV recording" codes:\n${curl}`);
}

export function serveCommand(program: Command, rt: CliRuntime): void {
  program
    .command('serve')
    .description('run the HTTP API')
    .option('--port <n>', 'port (default: env PORT or 8080; 0 = any free port)', intIn(0, 65_535))
    .option('--host <host>', 'address to listen on (default: env HOST or 127.0.0.1)', nonEmpty(255))
    .option('--demo', 'seed demo campaigns, keys and event codes into a database without campaigns')
    .action(async (opts: ServeOptions, cmd: Command) => {
      const ctx = ctxOf(rt, cmd);
      const s = ctx.open({
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        ...(opts.host ? { host: opts.host } : {}),
      });
      try {
        const seeded = opts.demo ? await seedDemo(s, ctx.actor) : null;
        if (opts.demo) printDemoKeys(ctx, s, seeded);
        await s.deps.store.warm?.();
        const app = await buildApp(s.deps, { logger: { level: s.config.logLevel }, risk: s.risk, monitor: s.monitor, ringRunDetect: s.ringDetector?.detectRun ?? null });
        try {
          await app.listen({ port: s.config.port, host: s.config.host }).catch((e: unknown) => {
            // Port taken, address not ours, no permission: the user's to fix, not a bug.
            throw new CliError(
              `cannot listen on ${s.config.host}:${s.config.port}: ${e instanceof Error ? e.message : String(e)}`,
            );
          });
          const addr = app.server.address() as AddressInfo;
          const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          const url = `http://${host}:${addr.port}`;
          if (opts.demo) await printDemoClaim(ctx, s, seeded, url);
          // The monitor watches the store's log every second: alerts, circuit breaker, webhooks.
          s.monitor.start();
          ctx.io.out(`couponguard listening on ${url} (database ${s.config.dbPath})`);
          const sig = await untilSignal();
          ctx.io.err(`${sig}: shutting down`);
        } finally {
          await app.close();
        }
      } finally {
        await s.close();
      }
    });
}
