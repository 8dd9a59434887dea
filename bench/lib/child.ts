/**
 * Parent-side half of the fixture protocol: starts a server fixture as its own Node process
 * (`node --import tsx bench/fixtures/<name>.ts`), waits until it listens, and drives it.
 * One server at a time, so that it does not share the 2 cores with another server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import type { ChildMessage, ParentMessage, ReadyMessage, StatsMessage } from './protocol.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export class Fixture {
  private readonly waiters: ((m: ChildMessage) => void)[] = [];
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly ready: ReadyMessage,
  ) {
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'error') {
        console.error(`fixture error: ${m.message}`);
        return;
      }
      this.waiters.shift()?.(m);
    });
  }

  /**
   * Starts `bench/fixtures/<name>.ts` with the given env (merged over ours). BENCH_NODE_ARGS adds
   * node flags to the server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p` to profile every thread of
   * it for its whole life (the writer thread too; `--profile` covers the serving thread's window).
   */
  static async start(name: string, env: Record<string, string | undefined>): Promise<Fixture> {
    const extra = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [...extra, '--import', 'tsx', `bench/fixtures/${name}.ts`], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<ReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fixture ${name} did not start within 30 s`)), 30_000);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`fixture ${name} exited before it was ready (code ${code}, signal ${signal})`));
      });
      child.once('message', (m: ChildMessage) => {
        clearTimeout(timer);
        if (m.type === 'ready') resolve(m);
        else reject(new Error(`fixture ${name} said ${JSON.stringify(m)} instead of ready`));
      });
    });
    child.removeAllListeners('exit');
    const f = new Fixture(child, ready);
    child.on('exit', (code, signal) => {
      f.exited = { code, signal };
    });
    return f;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private ask(msg: ParentMessage): Promise<StatsMessage> {
    if (this.exited) return Promise.reject(new Error(`fixture exited (${JSON.stringify(this.exited)})`));
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error('fixture exited while answering'));
      this.child.once('exit', onExit);
      this.waiters.push((m) => {
        this.child.off('exit', onExit);
        if (m.type === 'stats') resolve(m);
        else reject(new Error(`unexpected ${JSON.stringify(m)}`));
      });
      this.child.send(msg);
    });
  }

  /** Starts the measured window on the server side. */
  async mark(): Promise<void> {
    await this.ask({ type: 'mark' });
  }

  /** Ends the measured window and returns the server's view of it. */
  stats(): Promise<StatsMessage> {
    return this.ask({ type: 'stats' });
  }

  /** Asks the fixture to close and exit; kills this child (by its pid) if it does not within 10 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exit = once(this.child, 'exit');
    this.child.send({ type: 'stop' } satisfies ParentMessage);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  }
}
