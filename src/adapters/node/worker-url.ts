import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * How to start a worker thread whose entry sits next to the caller: the compiled `.js` (`dist/`),
 * or, when running from the TypeScript sources (tests, `tsx`), the `.ts` file loaded through
 * tsx's ESM hooks, registered inside the worker by a tiny data: URL module.
 */
export function workerUrl(callerUrl: string, entry: string): URL {
  if (!callerUrl.endsWith('.ts')) return new URL(`./${entry}.js`, callerUrl);
  const tsxDir = dirname(createRequire(callerUrl).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const file = new URL(`./${entry}.ts`, callerUrl).href;
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(file)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
