import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { MANIFEST_FILE, PACKED_FORMAT, PROOF_FILE, type BundleSink, type FileFacts } from '../../core/incidents/evidence.js';

/** Facts of a file's bytes: SHA-256, size, and lines (newlines). */
export function factsOf(name: string, bytes: Buffer): FileFacts {
  let lines = 0;
  for (const b of bytes) if (b === 10) lines++;
  return { name, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, lines };
}

/** A bundle written into a new directory (mode 700: it may hold personal data), streamed file by file. */
export function directorySink(dir: string): BundleSink {
  if (existsSync(dir) && readdirSync(dir).length) throw new Error(`${dir} exists and is not empty`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    open: async (name) => {
      const out = createWriteStream(join(dir, name), { mode: 0o600 });
      const hash = createHash('sha256');
      let bytes = 0;
      let lines = 0;
      return {
        line: async (text) => {
          const buf = Buffer.from(`${text}\n`, 'utf8');
          hash.update(buf);
          bytes += buf.length;
          lines++;
          if (!out.write(buf)) await once(out, 'drain');
        },
        close: async () => {
          out.end();
          await once(out, 'finish');
          return { name, sha256: hash.digest('hex'), bytes, lines };
        },
      };
    },
    text: async (name, text) => writeFileSync(join(dir, name), text, { mode: 0o600 }),
  };
}

/** A bundle kept in memory, to answer an HTTP request with (`packed`). */
export function memorySink(): BundleSink & { packed(): { format: string; files: Record<string, string> } } {
  const files: Record<string, string> = {};
  return {
    open: async (name) => {
      const parts: string[] = [];
      return {
        line: (text) => void parts.push(`${text}\n`),
        close: async () => {
          files[name] = parts.join('');
          return factsOf(name, Buffer.from(files[name], 'utf8'));
        },
      };
    },
    text: async (name, text) => {
      files[name] = text;
    },
    packed: () => ({ format: PACKED_FORMAT, files }),
  };
}

export interface ReadBundle {
  readonly manifestText: string | null;
  readonly proofText: string | null;
  readonly files: FileFacts[];
}

/** Reads a bundle for verification: a directory, or a packed JSON file as the HTTP API returns it. */
export function readBundle(path: string): ReadBundle {
  const split = (entries: [string, Buffer][]): ReadBundle => {
    const get = (n: string) => entries.find(([name]) => name === n)?.[1].toString('utf8') ?? null;
    return {
      manifestText: get(MANIFEST_FILE),
      proofText: get(PROOF_FILE),
      files: entries.filter(([n]) => n !== MANIFEST_FILE && n !== PROOF_FILE).map(([n, b]) => factsOf(n, b)),
    };
  };
  if (statSync(path).isDirectory()) return split(readdirSync(path).sort().map((n) => [n, readFileSync(join(path, n))]));
  const packed = JSON.parse(readFileSync(path, 'utf8')) as { format?: string; files?: Record<string, string> };
  if (packed.format !== PACKED_FORMAT || !packed.files || typeof packed.files !== 'object') throw new Error(`${path} is neither a bundle directory nor a packed bundle (${PACKED_FORMAT})`);
  return split(Object.entries(packed.files).map(([n, t]) => [n, Buffer.from(String(t), 'utf8')]));
}
