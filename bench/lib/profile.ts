/**
 * Reads a V8 .cpuprofile (from the claim server's measured window) and says where the time went:
 * the top functions by self time, and the time under a few frames that matter for the claim path
 * (inclusive: a sample counts for a frame when the frame is anywhere on its stack).
 *
 *   tsx bench/lib/profile.ts <file.cpuprofile>
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt, table } from './stats.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function where(f: CallFrame): string {
  if (!f.url) return '(native)';
  let u = f.url.startsWith('file://') ? fileURLToPath(f.url) : f.url;
  if (u.startsWith(ROOT)) u = u.slice(ROOT.length);
  u = u.replace(/^.*node_modules\//, '');
  return `${u}:${f.lineNumber + 1}`;
}

/** Buckets for samples outside the claim transaction: the innermost matching frame wins. */
const BUCKETS: readonly { name: string; test: (f: CallFrame) => boolean }[] = [
  { name: 'Fastify + HTTP (parse, route, hooks, validate, serialize)', test: (f) => /node_modules\/(fastify|find-my-way|light-my-request|avvio|fast-json-stringify|ajv|@fastify|secure-json-parse|fast-uri)/.test(f.url) },
  { name: 'couponguard http layer (src/http)', test: (f) => f.url.includes('/src/http/') },
  {
    name: 'risk engine (signals, velocity counters, CEL rules)',
    test: (f) => /\/src\/core\/risk\/|\/src\/adapters\/(memory|cel)\/|\/src\/app\/risk-runtime|node_modules\/@marcbachmann\/cel-js/.test(f.url),
  },
  { name: 'claim use case (src/core, without the risk engine)', test: (f) => f.url.includes('/src/core/') },
  { name: 'ids (ulid)', test: (f) => f.url.includes('/src/adapters/node/ids') || f.url.includes('node_modules/ulid') },
  { name: 'crypto (HMAC identity hash, SHA-256 request hash)', test: (f) => f.url.includes('/src/adapters/node/crypto') },
  { name: 'SQLite reads outside the transaction (campaign, links, key)', test: (f) => /\/src\/adapters\/sqlite\/(campaign|key)-repo/.test(f.url) || f.functionName === 'identityHashesOf' },
];
/** Everything under the group transaction counts for it, whatever runs inside (SQL, JSON, checks). */
const TX = 'SQLite tx:';
const inTransaction = (f: CallFrame) => f.url.includes('node_modules/better-sqlite3/lib/methods/transaction');

export function summarizeProfile(path: string, top = 20): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Sample i lasts until sample i+1.
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
  }
  const totalUs = p.endTime - p.startTime;

  const fnSelf = new Map<string, number>();
  const bucket = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame)}`;
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + us);
    // Walk to the root; remember the innermost frame that falls in a bucket.
    let b: string | null = null;
    let txFrames = 0;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (inTransaction(f)) txFrames++;
      else if (txFrames === 0) b ??= BUCKETS.find((x) => x.test(f))?.name ?? null;
    }
    const name = n.callFrame.functionName;
    let label: string;
    if (name === '(idle)') label = 'idle (waiting for the network)';
    else if (name === '(garbage collector)') label = 'garbage collector';
    else if (name === '(program)') label = 'V8/Node internals (program)';
    else if (txFrames > 0) {
      // Inside the group transaction. better-sqlite3 runs BEGIN/COMMIT (outer) and
      // SAVEPOINT/RELEASE (nested) as native `run` calls made directly by its transaction wrapper.
      const p0 = parent.get(id);
      const direct = !n.callFrame.url && p0 !== undefined && inTransaction(byId.get(p0)!.callFrame);
      if (direct && txFrames === 1) label = `${TX} BEGIN/COMMIT of the batch (WAL write, fsync, checkpoints)`;
      else if (direct) label = `${TX} SAVEPOINT/RELEASE around each claim`;
      else if (!n.callFrame.url) label = `${TX} SQL statements (native: run/get/all)`;
      else label = `${TX} JavaScript (checks, row mapping, JSON)`;
    } else label = b ?? 'other: node internals, libuv, net';
    bucket.set(label, (bucket.get(label) ?? 0) + us);
  }

  const pct = (us: number) => fmt((us / totalUs) * 100, 1);
  const out: string[] = [`profile ${path}: ${fmt(totalUs / 1000, 0)} ms of wall time, ${p.samples.length} samples`];
  out.push(
    table(
      ['where (innermost matching frame)', 'ms', '%'],
      [...bucket].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, fmt(us / 1000, 0), pct(us)]),
    ),
  );
  out.push('');
  out.push(
    table(
      ['top functions by self time', 'ms', '%'],
      [...fnSelf]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, us]) => [k.length > 110 ? k.slice(0, 107) + '...' : k, fmt(us / 1000, 0), pct(us)]),
    ),
  );
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/lib/profile.ts <file.cpuprofile>');
    process.exit(2);
  }
  console.log(summarizeProfile(file, 30));
}
