import { VARIANTS, type ReplayConfig, type Shapes, type Variant } from '../sim/index.js';
import { readJsonFile } from './json-file.js';

/**
 * A replay scenario file (`couponguard replay pdd-2019 --config FILE`): the knobs of one run.
 * Everything is optional; flags given on the command line win over the file. Example:
 * `examples/replay/pdd-2019-small.json`; every field is described in bench/README.md "Replay lab".
 */
export interface ReplayFile {
  readonly description?: string;
  readonly scenario?: 'pdd-2019';
  readonly configuration?: ReplayConfig | 'both';
  readonly variant?: Variant;
  readonly seed?: number;
  readonly scale?: number;
  readonly historyDays?: number;
  readonly hoursAfterAttack?: number;
  /** --http only: how much of the festival night before the attack to replay in real time. */
  readonly warmupMinutes?: number;
  readonly shapes?: Partial<Shapes>;
}

const count = (max: number) => ({ type: 'integer', minimum: 1, maximum: max }) as const;
const rate = { type: 'number', minimum: 0, maximum: 1_000_000 } as const;
const share = { type: 'number', minimum: 0, maximum: 1 } as const;
const minutes = { type: 'number', minimum: 0, maximum: 10_080 } as const;

export const replayFileSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    description: { type: 'string', maxLength: 2_000 },
    scenario: { enum: ['pdd-2019'] },
    configuration: { enum: ['locked', 'loophole', 'both'] },
    variant: { enum: [...VARIANTS] },
    seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 },
    scale: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
    historyDays: { type: 'integer', minimum: 1, maximum: 14 },
    hoursAfterAttack: { type: 'number', exclusiveMinimum: 0, maximum: 24 },
    warmupMinutes: { type: 'number', exclusiveMinimum: 0, maximum: 600 },
    shapes: {
      type: 'object',
      additionalProperties: false,
      properties: {
        legitAccounts: count(10_000_000),
        guests: { type: 'integer', minimum: 0, maximum: 1_000_000 },
        sweptIn: { type: 'integer', minimum: 0, maximum: 10_000_000 },
        rings: {
          type: 'array',
          maxItems: 100,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['segment', 'accounts', 'perDevice', 'ips', 'targets'],
            properties: {
              segment: {
                type: 'string',
                pattern: '^1[3-9][0-9]{5}$',
                description: 'the first 7 digits of the farm’s numbers',
              },
              accounts: count(1_000_000),
              perDevice: count(1_000_000),
              ips: count(250),
              targets: count(100),
            },
          },
        },
        peakPerMinute: rate,
        festival: rate,
        ringPerMinute: rate,
        sweptGrowth: rate,
        sweptCap: rate,
        ringSolves: share,
        redeemShare: share,
        flashShare: share,
        flashMinutes: { ...minutes, exclusiveMinimum: 0 },
        slowDripPerMinute: rate,
        camouflagePurchases: { type: 'integer', minimum: 0, maximum: 100 },
        eventBeforeAttackMinutes: minutes,
        eventMinutes: { ...minutes, exclusiveMinimum: 0 },
        sweptAfterMinutes: minutes,
      },
    },
  },
} as const;

/** A scenario file that cannot be used: exit code 2, nothing run. */
export class ReplayFileError extends Error {
  override readonly name = 'ReplayFileError';
}

/** Reads and validates a scenario file (shape first, then the rules across fields). */
export async function readReplayFile(path: string): Promise<ReplayFile> {
  let f: ReplayFile;
  try {
    f = await readJsonFile<ReplayFile>(path, replayFileSchema);
  } catch (e) {
    throw new ReplayFileError(e instanceof Error ? e.message : String(e));
  }
  const problems: string[] = [];
  if (f.variant && f.variant !== 'none' && f.configuration === 'locked')
    problems.push(
      '/variant: a variant runs in the loophole configuration only (configuration "locked" given)',
    );
  const s = f.shapes;
  if (s?.rings && new Set(s.rings.map((r) => r.segment)).size !== s.rings.length)
    problems.push('/shapes/rings: two rings share a segment');
  if (s?.legitAccounts !== undefined && s.guests !== undefined && s.guests > s.legitAccounts)
    problems.push('/shapes/guests: more guests than legit accounts (guests are legit accounts)');
  if (problems.length) throw new ReplayFileError(`${path}: ${problems.join('; ')}`);
  return f;
}
