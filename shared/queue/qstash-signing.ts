const encoder = new TextEncoder();

function base64url(bytes: Uint8Array | ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** What one signed delivery is: the signing key, the exact URL, the body and the time. */
export interface QstashSignatureInput {
  /** A QStash signing key (current or next). */
  key: string;
  /** The URL the message is delivered to: the token's `sub`. */
  url: string;
  body: string | Uint8Array;
  /** ms since the epoch. Default `Date.now()`. */
  now?: number;
}

/**
 * An `Upstash-Signature` as QStash makes it (HS256 JWT with iss, sub, iat/nbf, exp = 5 min,
 * jti and the body's SHA-256), with Web Crypto: for tests of a consumer and local tools.
 * @example headers['upstash-signature'] = await signQstashMessage({ key, url, body });
 */
export async function signQstashMessage({
  key,
  url,
  body,
  now = Date.now(),
}: QstashSignatureInput): Promise<string> {
  const seconds = Math.floor(now / 1000);
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  const claims = {
    iss: 'Upstash',
    sub: url,
    exp: seconds + 300,
    nbf: seconds,
    iat: seconds,
    jti: `jwt_${crypto.randomUUID().replaceAll('-', '')}`,
    body: `${base64url(digest)}=`,
  };
  const header = base64url(encoder.encode('{"alg":"HS256","typ":"JWT"}'));
  const unsigned = `${header}.${base64url(encoder.encode(JSON.stringify(claims)))}`;
  const hmac = await crypto.subtle.importKey(
    'raw',
    encoder.encode(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return `${unsigned}.${base64url(await crypto.subtle.sign('HMAC', hmac, encoder.encode(unsigned)))}`;
}
