import { Worker } from 'node:worker_threads';
import type { OnlineDetect, OnlineFinding } from '../../core/rings/online.js';
import type { RingOptions } from '../../core/rings/find-rings.js';
import type { Progress } from '../../core/rings/dense-blocks.js';
import type { RingRunId } from '../../core/rings/ring.js';
import type { RingDetection, RingRunDetect } from '../../core/rings/use-cases.js';
import { workerUrl } from '../node/worker-url.js';

/**
 * Online ring detection on its own thread, with its own read connection to the database file
 * (ring-detector-worker.ts). A run re-detects the last two hours of claims, account events and
 * orders: one synchronous computation that took the serving thread's event loop for ~1 s at 50,000
 * claims in the window (every claim waited meanwhile), and for longer at a festival's volume. Here
 * the serving thread only receives the finding (members, strong things, phone runs).
 *
 * The thread starts with the first run and is restarted by the next run if it died; a run it could
 * not finish rejects (the online rings keep what they had, the next tick tries again).
 */
export interface RingDetectorThread {
  /** The online detection (the monitor's tick). */
  readonly detect: OnlineDetect;
  /** An analyst's run: the detection, with its progress; the serving thread stores the result. */
  readonly detectRun: RingRunDetect;
  close(): Promise<void>;
}

export type RingDetectorRequest =
  | { readonly id: number; readonly kind: 'online'; readonly from: number; readonly to: number; readonly detector: Partial<RingOptions> }
  | { readonly id: number; readonly kind: 'run'; readonly from: number; readonly to: number; readonly runId: RingRunId; readonly detector: Partial<RingOptions> }
  | { readonly kind: 'close' };
export type RingDetectorReply =
  | { readonly id: number; readonly ok: true; readonly finding: OnlineFinding | RingDetection }
  | { readonly id: number; readonly ok: false; readonly error: string }
  | { readonly id: number; readonly progress: readonly [phase: string, done: number, total: number] };

export function ringDetectorThread(path: string): RingDetectorThread {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: (f: never) => void; reject: (e: Error) => void; progress?: Progress }>();

  const failAll = (why: string) => {
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
  };

  const start = (): Worker => {
    const w = new Worker(workerUrl(import.meta.url, 'ring-detector-worker'), { workerData: { path } });
    w.unref();
    w.on('message', (m: RingDetectorReply) => {
      const p = pending.get(m.id);
      if (!p) return;
      if ('progress' in m) return p.progress?.(...m.progress);
      pending.delete(m.id);
      if (m.ok) p.resolve(m.finding as never);
      else p.reject(new Error(m.error));
      if (!pending.size) w.unref();
    });
    w.on('error', (e) => {
      worker = null;
      failAll(`ring detector thread failed: ${e.message}`);
    });
    w.on('exit', () => {
      if (worker === w) worker = null;
      failAll('ring detector thread exited');
    });
    return w;
  };

  const ask = <T>(request: (id: number) => RingDetectorRequest, progress?: Progress): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      worker ??= start();
      const id = nextId++;
      pending.set(id, { resolve: resolve as (f: never) => void, reject, ...(progress ? { progress } : {}) });
      worker.ref();
      worker.postMessage(request(id));
    });

  return {
    detect: (window, detector) => ask<OnlineFinding>((id) => ({ id, kind: 'online', from: window.from, to: window.to, detector })),
    detectRun: (window, runId, detector, progress) => ask<RingDetection>((id) => ({ id, kind: 'run', from: window.from, to: window.to, runId, detector }), progress),
    async close() {
      const w = worker;
      worker = null;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ kind: 'close' } satisfies RingDetectorRequest);
      const timer = setTimeout(() => void w.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
