import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { CodeSigner } from '../../core/codes/claim-code.js';
import type { KeyedHasher, Sha256 } from '../../ports/crypto.js';

export const sha256: Sha256 = (data) => createHash('sha256').update(data).digest('hex');

/**
 * HMAC-SHA256 code signer. `keys` maps key id → secret; `current` signs, all verify, so a key can
 * be rotated without voiding codes already printed.
 */
export function hmacCodeSigner(keys: Readonly<Record<string, string>>, current: string): CodeSigner {
  if (!keys[current]) throw new Error(`signing key ${current} is not configured`);
  const mac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest();
  return {
    keyId: current,
    sign: (data) => mac(keys[current]!, data).toString('base64url'),
    verify: (keyId, data, signature) => {
      const secret = Object.hasOwn(keys, keyId) ? keys[keyId] : undefined;
      if (!secret) return false;
      const given = Buffer.from(signature, 'base64url');
      // base64url decoding ignores the unused low bits of the last character; insisting on the
      // canonical spelling keeps exactly one valid text per code.
      if (given.toString('base64url') !== signature) return false;
      const want = mac(secret, data);
      return given.length === want.length && timingSafeEqual(given, want);
    },
  };
}

export function hmacHasher(secret: string): KeyedHasher {
  return { hash: (domain, value) => createHmac('sha256', secret).update(`${domain}:${value}`).digest('hex') };
}
