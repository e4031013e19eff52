import { createHash, createHmac, randomBytes } from 'node:crypto';

const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

/** base64url of the SHA-256 of the body, with `=` padding as QStash sends it. */
export function bodyHash(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url') + '=';
}

/**
 * The Upstash-Signature JWT for one delivery (PROTOCOLS §2.5): HS256 keyed by the UTF-8 bytes of
 * the signing key; claims iss, sub (the exact URL), iat/nbf (now), exp (now + 5 min), jti, body.
 */
export function signDelivery(key: string, url: string, body: Uint8Array, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const claims = {
    iss: 'Upstash',
    sub: url,
    exp: now + 300,
    nbf: now,
    iat: now,
    jti: `jwt_${randomBytes(12).toString('hex')}`,
    body: bodyHash(body),
  };
  const unsigned = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = createHmac('sha256', key).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}
