/**
 * Request body limits. Every route takes 64 KiB unless it accepts a long list, and such a route
 * says so twice from one value: Fastify's `bodyLimit` (a larger body gets 413 PAYLOAD_TOO_LARGE before
 * it is parsed) and the OpenAPI operation's `x-body-limit`, so clients and the fuzz suite know it.
 */
export const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Incident scopes and account lists, make-good recipients: up to 10,000 entries (≈ 100 B each). */
export const LIST_BODY_LIMIT = 1024 * 1024;
/** A revocation of up to 100,000 account ids (each up to 64 characters). */
export const REVOCATION_BODY_LIMIT = 8 * 1024 * 1024;

/** Route options and the schema keyword for a route that takes bodies up to `limit` bytes. */
export const bodyLimit = (limit: number) => ({ options: { bodyLimit: limit }, schema: { 'x-body-limit': limit } }) as const;
