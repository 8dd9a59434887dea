import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import QRCode from 'qrcode';
import type { CodeBatch, IssuedCode } from '../core/codes/batch.js';
import { codeText } from '../core/codes/use-cases.js';
import type { CoreDeps } from '../core/deps.js';
import { iso } from '../http/views.js';
import { CliError } from './context.js';

/** Codes read from the store per page: memory stays bounded whatever the batch size. */
const PAGE = 500;
/** QR renders in flight: PNG deflate runs on libuv's pool, so a few at once keep the CPU busy. */
const IN_FLIGHT = 8;
// Paeth filtering only (passed through to pngjs, untyped by @types/qrcode): about the size of
// pngjs' try-every-filter default, in two thirds of the time.
const PNG_RENDERER = { deflateLevel: 9, filterType: 4 };
const PNG_OPTS = { errorCorrectionLevel: 'M', margin: 2, width: 320, rendererOpts: PNG_RENDERER } as const;
const SVG_OPTS = { type: 'svg', errorCorrectionLevel: 'M', margin: 2 } as const;

export const CSV_NAME = 'codes.csv';
const CSV_HEADER = 'codeId,batchId,campaignId,text,useLimit,expiresAt\n';

const csvField = (v: string | number): string => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/**
 * Checks, before anything is issued, that `dir` can take an export: it is (or can become) a
 * directory without a codes.csv in it. Codes are bearer tokens, so the directory is private.
 */
export async function prepareExportDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new CliError(`cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const csv = join(dir, CSV_NAME);
  if (
    await stat(csv).then(
      () => true,
      () => false,
    )
  )
    throw new CliError(`${csv} already exists; export each batch to its own directory`);
}

async function writeQr(dir: string, c: IssuedCode, text: string): Promise<void> {
  const [png, svg] = await Promise.all([QRCode.toBuffer(text, PNG_OPTS), QRCode.toString(text, SVG_OPTS)]);
  await Promise.all([
    writeFile(join(dir, `${c.id}.png`), png, { mode: 0o600 }),
    writeFile(join(dir, `${c.id}.svg`), svg, { mode: 0o600 }),
  ]);
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Writes a QR PNG and SVG per code (named by code id) and `codes.csv`, paging through the store.
 * Call `prepareExportDir` first. Returns the CSV path and the number of codes written.
 */
export async function exportBatch(
  d: CoreDeps,
  batch: CodeBatch,
  dir: string,
  onProgress?: (done: number) => void,
): Promise<{ csv: string; count: number }> {
  const csv = join(dir, CSV_NAME);
  const fh = await open(csv, 'wx', 0o600);
  let count = 0;
  try {
    await fh.write(CSV_HEADER);
    let after: string | undefined;
    do {
      const page = await d.store.codes.listCodes(batch.id, { limit: PAGE, after });
      const rows = page.items.map((c) => ({ c, text: codeText(d, c) }));
      await eachLimited(rows, IN_FLIGHT, async ({ c, text }) => {
        await writeQr(dir, c, text);
        onProgress?.(++count);
      });
      await fh.write(
        rows
          .map(
            ({ c, text }) =>
              [c.id, c.batchId, c.campaignId, text, c.useLimit, iso(c.expiresAt)!].map(csvField).join(',') +
              '\n',
          )
          .join(''),
      );
      after = page.next ?? undefined;
    } while (after);
  } finally {
    await fh.close();
  }
  return { csv, count };
}
