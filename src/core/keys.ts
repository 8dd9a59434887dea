import type { Actor, CoreDeps } from './deps.js';
import type { ApiKeyRecord, Role } from '../ports/store.js';

/** API keys are random, shown once, and stored only as SHA-256 (they carry 256 bits of entropy). */
export async function createApiKey(d: CoreDeps, role: Role, name: string, actor: Actor): Promise<{ id: string; key: string; role: Role }> {
  const id = d.ids.next<string>('key');
  const key = `cg_${d.ids.random(32)}`;
  const rec: ApiKeyRecord = { id, name, role, hash: d.sha256(key), createdAt: d.clock.now(), revokedAt: null };
  await d.store.keys.create(rec, { actor, action: 'key.create', target: id, details: { role, name } });
  return { id, key, role };
}

export async function authenticate(d: CoreDeps, key: string): Promise<ApiKeyRecord | null> {
  const rec = await d.store.keys.findByHash(d.sha256(key));
  return rec && rec.revokedAt === null ? rec : null;
}
