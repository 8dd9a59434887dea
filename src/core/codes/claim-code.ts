import type { BatchId, CampaignId, CodeId } from '../shared/ids.js';
import { isId } from '../shared/ids.js';

/**
 * A claim code is `CG1.<payload>.<signature>`, both base64url. The payload names the campaign,
 * the batch (one offline event), the code itself, its use limit, its expiry and a random nonce;
 * the signature is the platform's keyed MAC over `CG1.<payload>`. Nothing in a code is trusted
 * before the signature checks out (invariant 5).
 */
export interface CodePayload {
  /** Signing key id, so that keys can rotate without invalidating issued codes. */
  readonly keyId: string;
  readonly campaignId: CampaignId;
  readonly batchId: BatchId;
  readonly codeId: CodeId;
  readonly useLimit: number;
  /** Expiry, epoch milliseconds (encoded as seconds). */
  readonly expiresAt: number;
  readonly nonce: string;
}

/** The platform's signing key, as the core needs it. */
export interface CodeSigner {
  readonly keyId: string;
  sign(data: string): string;
  /** Constant-time check of a signature made with key `keyId`; false for an unknown key. */
  verify(keyId: string, data: string, signature: string): boolean;
}

const PREFIX = 'CG1';
const B64URL = /^[A-Za-z0-9_-]+$/;
/** Longest code text we even look at; anything longer is malformed. */
export const MAX_CODE_LENGTH = 512;

const toB64u = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');

export function encodeClaimCode(p: CodePayload, signer: CodeSigner): string {
  const body = {
    k: p.keyId,
    c: p.campaignId,
    b: p.batchId,
    i: p.codeId,
    u: p.useLimit,
    e: Math.floor(p.expiresAt / 1000),
    n: p.nonce,
  };
  const signed = `${PREFIX}.${toB64u(JSON.stringify(body))}`;
  return `${signed}.${signer.sign(signed)}`;
}

export type CodeRejection =
  | 'CODE_MALFORMED'
  | 'CODE_FORGED'
  | 'CODE_WRONG_CAMPAIGN'
  | 'CODE_EXPIRED'
  | 'CODE_REVOKED'
  | 'CODE_USED_UP';

function decodeBody(b64: string): CodePayload | null {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const okShape =
    typeof o.k === 'string' &&
    isId('campaign', o.c) &&
    isId('batch', o.b) &&
    isId('code', o.i) &&
    Number.isSafeInteger(o.u) &&
    (o.u as number) >= 1 &&
    Number.isSafeInteger(o.e) &&
    typeof o.n === 'string';
  if (!okShape) return null;
  return {
    keyId: o.k as string,
    campaignId: o.c as CampaignId,
    batchId: o.b as BatchId,
    codeId: o.i as CodeId,
    useLimit: o.u as number,
    expiresAt: (o.e as number) * 1000,
    nonce: o.n as string,
  };
}

/**
 * Checks what can be checked without the store: shape, signature, campaign, expiry — in that
 * order, so a forged code never reveals anything about campaigns. Use counts and revocation are
 * checked atomically by the store when the claim commits.
 */
export function verifyClaimCode(
  text: string,
  signer: CodeSigner,
  expect: { campaignId: CampaignId; now: number },
): { ok: true; payload: CodePayload } | { ok: false; reason: CodeRejection } {
  if (text.length > MAX_CODE_LENGTH) return { ok: false, reason: 'CODE_MALFORMED' };
  const parts = text.trim().split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || !B64URL.test(parts[1]!) || !B64URL.test(parts[2]!))
    return { ok: false, reason: 'CODE_MALFORMED' };
  const payloadPart = parts[1]!;
  const sig = parts[2]!;
  const payload = decodeBody(payloadPart);
  // An undecodable body under a prefix that looks right is still just malformed; a decodable body
  // whose signature fails is a forgery attempt and is reported as such.
  if (!payload) return { ok: false, reason: 'CODE_MALFORMED' };
  if (!signer.verify(payload.keyId, `${PREFIX}.${payloadPart}`, sig)) return { ok: false, reason: 'CODE_FORGED' };
  if (payload.campaignId !== expect.campaignId) return { ok: false, reason: 'CODE_WRONG_CAMPAIGN' };
  if (expect.now >= payload.expiresAt) return { ok: false, reason: 'CODE_EXPIRED' };
  return { ok: true, payload };
}
