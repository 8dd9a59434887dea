import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from '../core/keys.js';
import type { CoreDeps } from '../core/deps.js';
import type { ApiKeyRecord, Role } from '../ports/store.js';
import { sendError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyRecord | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; absent = public. `admin` is always allowed. */
    roles?: readonly Role[];
  }
}

export const READERS: readonly Role[] = ['operator', 'analyst', 'auditor'];

/** Bearer-key authentication and role check, before validation so that strangers learn nothing. */
export function authHook(deps: CoreDeps) {
  // Keys are looked up by hash; a small cache keeps the claim path off the database for auth.
  const cache = new Map<string, { rec: ApiKeyRecord | null; until: number }>();
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return;
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(h) : null;
    if (!m) return sendError(reply, 'UNAUTHENTICATED', 'send Authorization: Bearer <api key>');
    const key = m[1]!;
    const now = Date.now();
    let hit = cache.get(key);
    if (!hit || hit.until < now) {
      hit = { rec: await authenticate(deps, key), until: now + 5_000 };
      if (cache.size > 10_000) cache.clear();
      cache.set(key, hit);
    }
    if (!hit.rec) return sendError(reply, 'UNAUTHENTICATED', 'unknown or revoked api key');
    if (hit.rec.role !== 'admin' && !roles.includes(hit.rec.role))
      return sendError(reply, 'FORBIDDEN', `role ${hit.rec.role} may not call this route`);
    req.apiKey = hit.rec;
  };
}

/** The acting key's id, for audit and idempotency scope. Routes with roles always have one. */
export const actorOf = (req: FastifyRequest): string => req.apiKey?.id ?? 'anonymous';
