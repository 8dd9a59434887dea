import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, Stripe-style: header `Couponguard-Signature: t=<unix seconds>,v1=<hex>` where
 * the hex is HMAC-SHA256(secret, "<t>.<raw body>"). The timestamp inside the signed text stops a
 * captured delivery from being replayed later; receivers reject signatures older than a tolerance.
 */
export const SIGNATURE_HEADER = 'couponguard-signature';

export function signWebhook(secret: string, body: string, atMs: number): string {
  const t = Math.floor(atMs / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** For receivers (and our tests): true when the header signs this body with this secret, recently enough. */
export function verifyWebhook(secret: string, header: string, body: string, nowMs: number, toleranceSec = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowMs / 1000 - t) > toleranceSec) return false;
  const want = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === want.length && timingSafeEqual(given, want);
}
