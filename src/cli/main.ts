/**
 * The `couponguard` CLI: the server and operator commands, built through the same composition
 * root and use cases as the HTTP API (`src/app/compose.ts`). `run()` is the whole CLI as a
 * function, so tests drive it in process; `bin/couponguard.mjs` calls it on the built code.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { CliError, processIo, type CliIo, type CliRuntime } from './context.js';
import { buildProgram } from './program.js';

export { CliError, type CliIo } from './context.js';

export interface RunOptions {
  readonly io?: CliIo;
  /** Environment for configuration (COUPONGUARD_DB, secrets, PORT, ...); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs one CLI invocation (`argv` without node and script) and resolves to its exit code. */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<number> {
  const rt: CliRuntime = { io: opts.io ?? processIo, env: opts.env ?? process.env, exitCode: 0 };
  try {
    await buildProgram(rt).parseAsync([...argv], { from: 'user' });
    return rt.exitCode;
  } catch (e) {
    // Commander has already printed its usage error (or the help / version text).
    if (e instanceof CommanderError) return e.exitCode;
    rt.io.err(`error: ${e instanceof Error ? e.message : String(e)}`);
    // A CliError is the user's mistake; anything else may be a bug, so its stack is one variable away.
    if (!(e instanceof CliError) && e instanceof Error && e.stack) {
      if (rt.env.COUPONGUARD_DEBUG) rt.io.err(e.stack);
      else rt.io.err('(set COUPONGUARD_DEBUG=1 to see where)');
    }
    return 1;
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = await run(process.argv.slice(2));
