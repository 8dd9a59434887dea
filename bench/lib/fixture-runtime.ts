/**
 * Child-side half of the fixture protocol (see protocol.ts): answers `mark`, `stats` and `stop`
 * from the parent, measures the server's CPU and event-loop utilization over the measured window,
 * and, when asked by env, CPU-profiles exactly that window with the inspector.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { PROFILE_DIR_ENV, type ChildMessage, type ParentMessage, type StatsMessage } from './protocol.js';

export interface FixtureHooks {
  /** Extra facts for the `stats` answer (the claim server reports its database). */
  readonly dbStats?: () => StatsMessage['db'];
  /** Called at the start of the measured window. */
  readonly onMark?: () => void;
  /** Closes the server and the store. */
  readonly close: () => Promise<void>;
  /** Used to name the profile file. */
  readonly name: string;
}

export function send(msg: ChildMessage): void {
  if (!process.send) throw new Error('fixtures run as child processes of bench/claims.ts (they need an IPC channel)');
  process.send(msg);
}

export function serveFixtureProtocol(hooks: FixtureHooks): void {
  const profileDir = process.env[PROFILE_DIR_ENV];
  let session: Session | null = null;
  let t0 = performance.now();
  let cpu0 = process.cpuUsage();
  let elu0: EventLoopUtilization = performance.eventLoopUtilization();

  const onMessage = async (msg: ParentMessage): Promise<void> => {
    if (msg.type === 'mark') {
      if (profileDir) {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        // 250 µs: fine enough to see a 1 ms request's parts, cheap enough not to skew it much.
        await session.post('Profiler.setSamplingInterval', { interval: 250 });
        await session.post('Profiler.start');
      }
      hooks.onMark?.();
      t0 = performance.now();
      cpu0 = process.cpuUsage();
      elu0 = performance.eventLoopUtilization();
      send({ type: 'stats', wallMs: 0, cpuUserMs: 0, cpuSystemMs: 0, elu: 0 });
    } else if (msg.type === 'stats') {
      const cpu = process.cpuUsage(cpu0);
      const elu = performance.eventLoopUtilization(elu0);
      const wallMs = performance.now() - t0;
      let profilePath: string | undefined;
      if (session) {
        const { profile } = await session.post('Profiler.stop');
        session.disconnect();
        session = null;
        profilePath = join(profileDir!, `${hooks.name}-${Date.now()}.cpuprofile`);
        writeFileSync(profilePath, JSON.stringify(profile));
      }
      send({
        type: 'stats',
        wallMs,
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
        elu: elu.utilization,
        db: hooks.dbStats?.(),
        ...(profilePath ? { profilePath } : {}),
      });
    } else if (msg.type === 'stop') {
      await hooks.close();
      process.exit(0);
    }
  };

  process.on('message', (m: ParentMessage) => {
    onMessage(m).catch((e: unknown) => send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
  });
  // If the bench dies, do not linger.
  process.on('disconnect', () => {
    void hooks.close().finally(() => process.exit(0));
  });
}
