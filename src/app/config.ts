import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CHANNELS, type Channel } from '../core/shared/channels.js';

/** Everything the composition root needs, validated once at start-up. */
export interface Config {
  readonly dbPath: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  /** Where claims commit on a file store: a writer thread (default) or the serving thread (COUPONGUARD_SQLITE_WRITER=inline). */
  readonly sqliteWriter: 'thread' | 'inline';
  /** Key for hashing identity numbers (HMAC). */
  readonly piiSecret: string;
  /** Code-signing keys by id, and the id that signs new codes. */
  readonly signingKeys: Readonly<Record<string, string>>;
  readonly signingKeyId: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  /** The risk engine on the claim and order paths (on unless COUPONGUARD_RISK=off). */
  readonly risk: boolean;
  /** Channels the monitor may pause by itself on a spike (COUPONGUARD_AUTOPAUSE_CHANNELS=web,api). */
  readonly autoPauseChannels: readonly Channel[];
}

interface SecretsFile {
  piiSecret: string;
  signingKeys: Record<string, string>;
  signingKeyId: string;
}

/**
 * Secrets come from the environment in production. On a developer machine they are generated on
 * first use and kept (mode 600) beside the database, so the server and the CLI share them.
 */
function loadSecrets(dbPath: string, env: NodeJS.ProcessEnv): SecretsFile {
  if (env.COUPONGUARD_PII_SECRET && env.COUPONGUARD_SIGNING_KEYS) {
    const keys = Object.fromEntries(
      env.COUPONGUARD_SIGNING_KEYS.split(',').map((kv) => {
        const i = kv.indexOf(':');
        if (i < 1) throw new Error('COUPONGUARD_SIGNING_KEYS must look like "k1:secret,k0:old-secret"');
        return [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
    const current = env.COUPONGUARD_SIGNING_KEY_ID ?? Object.keys(keys)[0]!;
    return { piiSecret: env.COUPONGUARD_PII_SECRET, signingKeys: keys, signingKeyId: current };
  }
  if (dbPath === ':memory:') {
    return { piiSecret: randomBytes(32).toString('hex'), signingKeys: { k1: randomBytes(32).toString('hex') }, signingKeyId: 'k1' };
  }
  const file = join(dirname(dbPath), 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SecretsFile;
  const s: SecretsFile = { piiSecret: randomBytes(32).toString('hex'), signingKeys: { k1: randomBytes(32).toString('hex') }, signingKeyId: 'k1' };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return s;
}

function parseChannels(v: string | undefined): Channel[] {
  if (!v?.trim()) return [];
  const out = v.split(',').map((x) => x.trim());
  for (const c of out) if (!(CHANNELS as readonly string[]).includes(c)) throw new Error(`COUPONGUARD_AUTOPAUSE_CHANNELS: unknown channel ${c}`);
  return out as Channel[];
}

function parseSwitch(v: string | undefined, dflt: boolean, name: string): boolean {
  if (v === undefined || v.trim() === '') return dflt;
  if (/^(on|true|1|yes)$/i.test(v.trim())) return true;
  if (/^(off|false|0|no)$/i.test(v.trim())) return false;
  throw new Error(`${name} must be on or off`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dbPath = overrides.dbPath ?? env.COUPONGUARD_DB ?? 'data/couponguard.db';
  if (dbPath !== ':memory:') mkdirSync(dirname(dbPath), { recursive: true });
  const sync = (overrides.synchronous ?? env.COUPONGUARD_SQLITE_SYNCHRONOUS ?? 'FULL').toUpperCase();
  if (sync !== 'FULL' && sync !== 'NORMAL') throw new Error('COUPONGUARD_SQLITE_SYNCHRONOUS must be FULL or NORMAL');
  const writer = (overrides.sqliteWriter ?? env.COUPONGUARD_SQLITE_WRITER ?? 'thread').toLowerCase();
  if (writer !== 'thread' && writer !== 'inline') throw new Error('COUPONGUARD_SQLITE_WRITER must be thread or inline');
  const port = overrides.port ?? Number(env.PORT?.trim() || 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('PORT must be a port number');
  const secrets = loadSecrets(dbPath, env);
  return {
    dbPath,
    synchronous: sync,
    sqliteWriter: writer,
    piiSecret: overrides.piiSecret ?? secrets.piiSecret,
    signingKeys: overrides.signingKeys ?? secrets.signingKeys,
    signingKeyId: overrides.signingKeyId ?? secrets.signingKeyId,
    host: overrides.host ?? env.HOST ?? '127.0.0.1',
    port,
    logLevel: overrides.logLevel ?? env.LOG_LEVEL ?? 'info',
    risk: overrides.risk ?? parseSwitch(env.COUPONGUARD_RISK, true, 'COUPONGUARD_RISK'),
    autoPauseChannels: overrides.autoPauseChannels ?? parseChannels(env.COUPONGUARD_AUTOPAUSE_CHANNELS),
  };
}
