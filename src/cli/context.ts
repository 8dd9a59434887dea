import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { compose, type Composed } from '../app/compose.js';
import { loadConfig, type Config } from '../app/config.js';
import type { AppError } from '../core/shared/errors.js';
import type { Result } from '../core/shared/result.js';

/** A mistake of the user's (bad input, unknown id, wrong state): one line on stderr, exit code 1, no stack. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Where the CLI writes: the terminal by default, a buffer in tests. Each call is one line (or block). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (t) => void process.stdout.write(`${t}\n`),
  err: (t) => void process.stderr.write(`${t}\n`),
};

/** What one `run()` shares with every command: its output, its environment and its exit code. */
export interface CliRuntime {
  readonly io: CliIo;
  readonly env: NodeJS.ProcessEnv;
  exitCode: number;
}

interface GlobalOptions {
  db?: string;
  json?: boolean;
}

/** The per-command view of the runtime: global options resolved, the actor named. */
export interface Ctx {
  readonly io: CliIo;
  readonly json: boolean;
  /** Who acts, for audit entries: `cli:<os user>`. */
  readonly actor: string;
  /** Prints `value` as JSON with `--json`, else the human text. */
  emit(value: unknown, human: () => string): void;
  /** Builds the system through the one composition root (config from env and --db). */
  open(overrides?: Partial<Config>): Composed;
  /** Opens the system, runs `fn`, and always closes it. */
  withSystem<T>(fn: (s: Composed) => Promise<T>): Promise<T>;
  fail(exitCode?: number): void;
}

function osUser(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): fall back to what the shell says.
    return env.USER ?? env.LOGNAME ?? `uid${process.getuid?.() ?? '?'}`;
  }
}

export function ctxOf(rt: CliRuntime, cmd: Command): Ctx {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const json = g.json === true;
  const open = (overrides: Partial<Config> = {}): Composed => {
    try {
      return compose(loadConfig(rt.env, { ...overrides, ...(g.db ? { dbPath: g.db } : {}) }));
    } catch (e) {
      throw new CliError(
        `cannot open the database${g.db ? ` ${g.db}` : ''}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  };
  return {
    io: rt.io,
    json,
    actor: `cli:${osUser(rt.env)}`,
    emit: (value, human) => rt.io.out(json ? JSON.stringify(value, null, 2) : human()),
    open,
    withSystem: async (fn) => {
      const s = open();
      try {
        // A new store gets its default policy as the risk engine starts: let that land first.
        await s.risk?.ready;
        return await fn(s);
      } finally {
        await s.close();
      }
    },
    fail: (exitCode = 1) => {
      rt.exitCode = exitCode;
    },
  };
}

/** A use case's failure becomes a user error; its code stays visible for scripts. */
export function unwrap<T>(r: Result<T, AppError>): T {
  if (!r.ok) throw new CliError(`${r.error.message} (${r.error.code})`);
  return r.value;
}
