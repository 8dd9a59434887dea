/**
 * The ring detector thread's side (see ring-detector-thread.ts): its own store on the same
 * database file, used only to read the window; runs the same detection the serving thread would
 * (`detectOnline` for the monitor's tick, `detectRingRecords` for an analyst's run, with its
 * progress) and sends back what it found. Storing a run stays with the serving thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { detectOnline } from '../../core/rings/online.js';
import { detectRingRecords } from '../../core/rings/use-cases.js';
import { sha256 } from '../node/crypto.js';
import { sqliteStore } from './index.js';
import type { RingDetectorReply, RingDetectorRequest } from './ring-detector-thread.js';

const { path } = workerData as { path: string };
const port = parentPort!;
// Reads only: no writer thread, and it never commits, so it never starts a checkpointer either.
const store = sqliteStore({ path, writer: 'inline' }, sha256);

const reply = (m: RingDetectorReply) => port.postMessage(m);
const failed = (id: number) => (e: unknown) => reply({ id, ok: false, error: e instanceof Error ? e.message : String(e) });

port.on('message', (m: RingDetectorRequest) => {
  if (m.kind === 'close') {
    void store.close().finally(() => process.exit(0));
    return;
  }
  const window = { from: m.from, to: m.to };
  if (m.kind === 'online') {
    detectOnline(store, window, m.detector).then((finding) => reply({ id: m.id, ok: true, finding }), failed(m.id));
    return;
  }
  // At most one progress message per 100 ms: the detector reports often.
  let last = 0;
  const progress = (phase: string, done: number, total: number) => {
    const now = performance.now();
    if (now - last < 100 && done < total) return;
    last = now;
    reply({ id: m.id, progress: [phase, done, total] });
  };
  detectRingRecords(store, window, m.runId, m.detector, progress).then((finding) => reply({ id: m.id, ok: true, finding }), failed(m.id));
});
