export type { CodeSigner } from '../core/codes/claim-code.js';

/**
 * Keyed one-way hashing of personal data (identity numbers; phone numbers where they must not be
 * kept in clear). HMAC-SHA256 with a server secret, so a leaked database cannot be reversed by
 * enumerating the (small) space of resident ids.
 */
export interface KeyedHasher {
  hash(domain: 'identity' | 'phone' | 'code' | 'request', value: string): string;
}

/** Plain SHA-256 hex, for fingerprints, request hashes and the audit chain. */
export type Sha256 = (data: string) => string;
