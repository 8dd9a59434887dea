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
  const decide = (req: FastifyRequest, reply: FastifyReply, rec: ApiKeyRecord | null, roles: readonly Role[]): boolean => {
    if (!rec) {
      sendError(reply, 'UNAUTHENTICATED', 'unknown or revoked api key');
      return false;
    }
    if (rec.role !== 'admin' && !roles.includes(rec.role)) {
      sendError(reply, 'FORBIDDEN', `role ${rec.role} may not call this route`);
      return false;
    }
    req.apiKey = rec;
    return true;
  };
  // Callback style: a cached key (every claim but the first of a client) is checked without a
  // promise; an answer sent here ends the request (Fastify stops at a sent reply).
  return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return done();
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(h) : null;
    if (!m) {
      sendError(reply, 'UNAUTHENTICATED', 'send Authorization: Bearer <api key>');
      return done();
    }
    const key = m[1]!;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.until >= now) {
      decide(req, reply, hit.rec, roles);
      return done();
    }
    authenticate(deps, key).then(
      (rec) => {
        if (cache.size > 10_000) cache.clear();
        cache.set(key, { rec, until: now + 5_000 });
        decide(req, reply, rec, roles);
        done();
      },
      (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
    );
  };
}

/** The acting key's id, for audit and idempotency scope. Routes with roles always have one. */
export const actorOf = (req: FastifyRequest): string => req.apiKey?.id ?? 'anonymous';
