import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { plantRing } from '../../../test/rings/fixture-ring.js';
import type { AccountId } from '../../core/shared/ids.js';
import { sha256 } from '../node/crypto.js';
import { sqliteStore } from './index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the claim path’s copy of the current ring run', () => {
  it('answers from the run this repo just stored, at once', async () => {
    const store = sqliteStore({ path: ':memory:' }, sha256);
    expect(await store.rings.membership('a1' as AccountId)).toBeNull();
    const { ringId } = await plantRing(store, 1_700_000_000_000, ['a1', 'a2']);
    expect(await store.rings.membership('a1' as AccountId)).toEqual({ ringId, score: 100 });
    expect(await store.rings.linked([{ kind: 'device', value: 'fixture-rack' }, { kind: 'device', value: 'other' }])).toEqual([{ ringId, kind: 'device', value: 'fixture-rack' }]);
    expect(await store.rings.membership('a3' as AccountId)).toBeNull();
    await store.close();
  });

  it('sees a run another process published within a quarter of a second', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-ring-snap-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    const server = sqliteStore({ path, writer: 'inline' }, sha256);
    const detector = sqliteStore({ path, writer: 'inline' }, sha256);
    // The server has looked (and copied the empty "no run yet") before the run exists.
    expect(await server.rings.membership('a1' as AccountId)).toBeNull();
    const { ringId } = await plantRing(detector, 1_700_000_000_000, ['a1']);
    await sleep(300);
    expect(await server.rings.membership('a1' as AccountId)).toEqual({ ringId, score: 100 });
    expect(await server.rings.linked([{ kind: 'device', value: 'fixture-rack' }])).toHaveLength(1);
    await detector.close();
    await server.close();
  });
});
