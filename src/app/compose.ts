import { hmacCodeSigner, hmacHasher, sha256 } from '../adapters/node/crypto.js';
import { systemClock } from '../adapters/node/clock.js';
import { ulidGenerator } from '../adapters/node/ids.js';
import { sqliteStore } from '../adapters/sqlite/index.js';
import { passThroughPolicy, type Policy } from '../core/claims/policy.js';
import type { CoreDeps } from '../core/deps.js';
import type { Clock } from '../ports/clock.js';
import type { Config } from './config.js';
import { celCompiler } from '../adapters/cel/compiler.js';
import { RiskRuntime } from './risk-runtime.js';
import { MonitorRuntime, type MonitorRuntimeOptions } from './monitor-runtime.js';

export interface Composed {
  readonly deps: CoreDeps;
  readonly config: Config;
  /** The risk engine's runtime, when the engine is on. */
  readonly risk: RiskRuntime | null;
  /** The live monitor (series, alerts, circuit breaker, webhooks); `serve` starts it. */
  readonly monitor: MonitorRuntime;
  close(): Promise<void>;
}

/** The one composition root: server, CLI and tests all build the system here. */
export function compose(config: Config, opts: { clock?: Clock; policy?: Policy; risk?: boolean; monitor?: MonitorRuntimeOptions } = {}): Composed {
  const clock = opts.clock ?? systemClock;
  const store = sqliteStore({ path: config.dbPath, synchronous: config.synchronous, writer: config.sqliteWriter }, sha256);
  const rules = celCompiler();
  // The risk engine is on unless the config or the caller turns it off (or supplies a policy).
  const risk = !opts.policy && (opts.risk ?? config.risk) ? RiskRuntime.create(store, rules, clock) : null;
  const deps: CoreDeps = {
    store,
    clock,
    ids: ulidGenerator(clock),
    signer: hmacCodeSigner(config.signingKeys, config.signingKeyId),
    hasher: hmacHasher(config.piiSecret),
    sha256,
    policy: opts.policy ?? risk?.policy ?? passThroughPolicy,
    rules,
  };
  const monitor = new MonitorRuntime(deps, { autoPauseChannels: config.autoPauseChannels, log: (msg, data) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...data })}\n`), ...opts.monitor });
  return {
    deps,
    config,
    risk,
    monitor,
    close: async () => {
      await monitor.stop();
      risk?.stop();
      await risk?.ready.catch(() => {});
      await store.close();
    },
  };
}
