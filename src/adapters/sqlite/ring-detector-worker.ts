/**
 * The ring detector thread's side (see ring-detector-thread.ts): its own store on the same
 * database file, used only to read the window; runs the same online detection the serving thread
 * would (`detectOnline`) and sends back the finding.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { detectOnline } from '../../core/rings/online.js';
import { sha256 } from '../node/crypto.js';
import { sqliteStore } from './index.js';
import type { RingDetectorReply, RingDetectorRequest } from './ring-detector-thread.js';

const { path } = workerData as { path: string };
const port = parentPort!;
// Reads only: no writer thread, and it never commits, so it never starts a checkpointer either.
const store = sqliteStore({ path, writer: 'inline' }, sha256);

port.on('message', (m: RingDetectorRequest) => {
  if ('close' in m) {
    void store.close().finally(() => process.exit(0));
    return;
  }
  detectOnline(store, { from: m.from, to: m.to }, m.detector).then(
    (finding) => port.postMessage({ id: m.id, ok: true, finding } satisfies RingDetectorReply),
    (e: unknown) => port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies RingDetectorReply),
  );
});
