import type { MiddlewareHandler } from 'hono';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';

/** Header carrying a service-to-service signature: `t=<ms since epoch>,v1=<hex HMAC-SHA256>`. */
export const signatureHeader = 'x-edgemesh-signature';

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function assertSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new EdgeMeshError('CONFIG', 'SERVICE_AUTH_SECRET must be at least 16 characters');
  }
}

async function importKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

async function canonical(
  method: string,
  pathAndQuery: string,
  timestamp: number,
  body?: ArrayBuffer,
): Promise<Uint8Array<ArrayBuffer>> {
  const bodyHash = hex(await crypto.subtle.digest('SHA-256', body ?? new ArrayBuffer(0)));
  return encoder.encode(`${timestamp}\n${method.toUpperCase()}\n${pathAndQuery}\n${bodyHash}`);
}

/** Signs requests with HMAC-SHA256 over timestamp, method, path+query and the body's SHA-256. */
export interface RequestSigner {
  /** The `x-edgemesh-signature` value for one request. */
  sign(method: string, pathAndQuery: string, body?: ArrayBuffer): Promise<string>;
}

/**
 * A signer keyed by `SERVICE_AUTH_SECRET` (≥ 16 characters, else CONFIG).
 * @example const signer = requestSigner(config.SERVICE_AUTH_SECRET);
 */
export function requestSigner(secret: string, now: () => number = () => Date.now()): RequestSigner {
  assertSecret(secret);
  const key = importKey(secret);
  return {
    async sign(method, pathAndQuery, body) {
      const timestamp = now();
      const mac = await crypto.subtle.sign(
        'HMAC',
        await key,
        await canonical(method, pathAndQuery, timestamp, body),
      );
      return `t=${timestamp},v1=${hex(mac)}`;
    },
  };
}

/** Options of the inbound signature check. */
export interface VerifyServiceAuthOptions {
  /** The shared `SERVICE_AUTH_SECRET`. */
  secret: string;
  /** Accepted clock difference and replay window, ms. Default 60,000. */
  toleranceMs?: number;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

function fromHex(value: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^(?:[\da-f]{2})+$/.test(value)) return undefined;
  return new Uint8Array(value.match(/../g)!.map((pair) => parseInt(pair, 16)));
}

/**
 * Rejects requests without a valid `x-edgemesh-signature` with a 401 SIGNATURE problem.
 * The body is read from a clone, so handlers can still read it.
 */
export function verifyServiceAuth({
  secret,
  toleranceMs = 60_000,
  now = () => Date.now(),
}: VerifyServiceAuthOptions): MiddlewareHandler {
  assertSecret(secret);
  const key = importKey(secret);
  return async function serviceAuth(c, next) {
    const header = c.req.header(signatureHeader) ?? '';
    const match = /^t=(\d+),v1=([\da-f]+)$/.exec(header);
    if (!match) throw new EdgeMeshError('SIGNATURE', `Missing or malformed ${signatureHeader}.`);
    const timestamp = Number(match[1]);
    if (Math.abs(now() - timestamp) > toleranceMs) {
      throw new EdgeMeshError(
        'SIGNATURE',
        `${signatureHeader} is outside the accepted time window.`,
      );
    }
    const mac = fromHex(match[2]!);
    const url = new URL(c.req.url);
    const body = ['GET', 'HEAD'].includes(c.req.method)
      ? undefined
      : await c.req.raw.clone().arrayBuffer();
    const valid =
      mac !== undefined &&
      (await crypto.subtle.verify(
        'HMAC',
        await key,
        mac,
        await canonical(c.req.method, url.pathname + url.search, timestamp, body),
      ));
    if (!valid)
      throw new EdgeMeshError('SIGNATURE', `${signatureHeader} does not match the request.`);
    await next();
  };
}
