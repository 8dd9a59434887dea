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
import { ringDetectorThread, type RingDetectorThread } from '../adapters/sqlite/ring-detector-thread.js';
import { combinedRingSignals, ONLINE_RING_DEFAULTS, OnlineRings, type OnlineRingOptions } from '../core/rings/online.js';
import { storeRingSignals } from '../core/rings/signals.js';

export interface Composed {
  readonly deps: CoreDeps;
  readonly config: Config;
  /** The risk engine's runtime, when the engine is on. */
  readonly risk: RiskRuntime | null;
  /** The live monitor (series, alerts, circuit breaker, webhooks); `serve` starts it. */
  readonly monitor: MonitorRuntime;
  /** Ring detection on recent links, run from the monitor's ticks (null when the risk engine is off). */
  readonly onlineRings: OnlineRings | null;
  /** On a database file: the thread ring detection runs on (online runs, and analysts' runs over HTTP). */
  readonly ringDetector: RingDetectorThread | null;
  close(): Promise<void>;
}

/** The one composition root: server, CLI and tests all build the system here. */
export function compose(config: Config, opts: { clock?: Clock; policy?: Policy; risk?: boolean; monitor?: MonitorRuntimeOptions; onlineRings?: Partial<OnlineRingOptions> | false } = {}): Composed {
  const clock = opts.clock ?? systemClock;
  const store = sqliteStore({ path: config.dbPath, synchronous: config.synchronous, writer: config.sqliteWriter }, sha256);
  const rules = celCompiler();
  // The risk engine is on unless the config or the caller turns it off (or supplies a policy).
  const riskOn = !opts.policy && (opts.risk ?? config.risk);
  // On a database file, ring detection runs on its own thread (ring-detector-thread.ts), started
  // with the first run; in memory (tests, the replay lab's virtual clock) it runs here.
  const fileBacked = config.dbPath !== ':memory:' && !config.dbPath.startsWith('file:');
  const detector = fileBacked ? ringDetectorThread(config.dbPath) : null;
  const onlineRings =
    riskOn && opts.onlineRings !== false
      ? new OnlineRings(store, { ...ONLINE_RING_DEFAULTS, ...opts.onlineRings }, () => performance.now(), detector?.detect)
      : null;
  const risk = riskOn ? RiskRuntime.create(store, rules, clock, onlineRings ? { rings: combinedRingSignals(storeRingSignals(store), onlineRings) } : {}) : null;
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
  const monitor = new MonitorRuntime(deps, {
    autoPauseChannels: config.autoPauseChannels,
    log: (msg, data) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...data })}\n`),
    ...opts.monitor,
    detectors: [...(opts.monitor?.detectors ?? []), ...(onlineRings ? [(now: number) => onlineRings.maybeRefresh(now)] : [])],
  });
  return {
    deps,
    config,
    risk,
    monitor,
    onlineRings,
    ringDetector: detector,
    close: async () => {
      await monitor.stop();
      await detector?.close();
      risk?.stop();
      await risk?.ready.catch(() => {});
      await store.close();
    },
  };
}
