import type { MiddlewareHandler } from 'hono';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { deadlineHeader } from './deadline.ts';
import type { ReplayGuard } from './replay-guard.ts';

/**
 * Header carrying a service-to-service signature:
 * `t=<ms since epoch>,c=<caller>,d=<deadline ms|->,n=<nonce>,v2=<hex HMAC-SHA256>`.
 */
export const signatureHeader = 'x-edgemesh-signature';

/** Hono variable set by `verifyServiceAuth`: the verified caller's service name. */
export interface CallerVariables {
  caller: string;
}

const encoder = new TextEncoder();
const callerPattern = /^[a-z][a-z0-9-]{0,38}$/;
const headerPattern =
  /^t=(\d{1,15}),c=([a-z][a-z0-9-]{0,38}),d=(\d{1,9}|-),n=([\da-f]{32}),v2=([\da-f]{64})$/;

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(value: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(value.match(/../g)!.map((pair) => parseInt(pair, 16)));
}

function assertSecret(secret: string, name: string): void {
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new EdgeMeshError('CONFIG', `${name} must be at least 16 characters`);
  }
}

function importKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

interface Signed {
  timestamp: number;
  caller: string;
  deadline: string;
  nonce: string;
}

async function canonical(
  signed: Signed,
  method: string,
  pathAndQuery: string,
  body?: ArrayBuffer,
): Promise<Uint8Array<ArrayBuffer>> {
  const bodyHash = hex(await crypto.subtle.digest('SHA-256', body ?? new ArrayBuffer(0)));
  const { timestamp, caller, deadline, nonce } = signed;
  return encoder.encode(
    `v2\n${timestamp}\n${caller}\n${deadline}\n${nonce}\n${method.toUpperCase()}\n${pathAndQuery}\n${bodyHash}`,
  );
}

/** Signs requests: method, path and query, body hash, caller, time, deadline and a nonce. */
export interface RequestSigner {
  /** The `x-edgemesh-signature` value for one request; `deadlineMs` is its deadline header. */
  sign(
    method: string,
    pathAndQuery: string,
    body?: ArrayBuffer,
    options?: { deadlineMs?: string | undefined },
  ): Promise<string>;
}

/** Options of a signer. */
export interface RequestSignerOptions {
  /** The calling service's name, as its callee's access policy knows it. Default `anonymous`. */
  caller?: string;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * A signer keyed by `SERVICE_AUTH_SECRET` (≥ 16 characters, else CONFIG).
 * @example const signer = requestSigner(config.SERVICE_AUTH_SECRET, { caller: 'orders' });
 */
export function requestSigner(
  secret: string,
  { caller = 'anonymous', now = () => Date.now() }: RequestSignerOptions = {},
): RequestSigner {
  assertSecret(secret, 'SERVICE_AUTH_SECRET');
  if (!callerPattern.test(caller)) {
    throw new EdgeMeshError('CONFIG', `caller "${caller}" is not a service name`);
  }
  const key = importKey(secret);
  return {
    async sign(method, pathAndQuery, body, { deadlineMs } = {}) {
      const signed: Signed = {
        timestamp: now(),
        caller,
        deadline: deadlineMs ?? '-',
        nonce: hex(crypto.getRandomValues(new Uint8Array(16)).buffer),
      };
      const mac = await crypto.subtle.sign(
        'HMAC',
        await key,
        await canonical(signed, method, pathAndQuery, body),
      );
      const { timestamp, deadline, nonce } = signed;
      return `t=${timestamp},c=${caller},d=${deadline},n=${nonce},v2=${hex(mac)}`;
    },
  };
}

/** Options of the inbound signature check. */
export interface VerifyServiceAuthOptions {
  /** `SERVICE_AUTH_SECRET`, and during a rotation `SERVICE_AUTH_NEXT_SECRET`: either verifies. */
  secrets: readonly string[];
  /** Accepted clock difference, and how long a signature is remembered against replay, ms. Default 60,000. */
  toleranceMs?: number;
  /** Remembers signatures seen within the window; without one, replays inside it pass. */
  replay?: ReplayGuard;
  /** Called with every refusal, for metrics. */
  onRefused?: (reason: 'missing' | 'malformed' | 'expired' | 'invalid' | 'replayed') => void;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * Rejects requests without a valid `x-edgemesh-signature` with a 401 SIGNATURE problem (unsigned,
 * tampered, signed with another secret, outside the time window, or replayed), and sets the
 * verified caller as `c.get('caller')`. The body is read from a clone, so handlers can still read it.
 */
export function verifyServiceAuth({
  secrets,
  toleranceMs = 60_000,
  replay,
  onRefused,
  now = () => Date.now(),
}: VerifyServiceAuthOptions): MiddlewareHandler<{ Variables: CallerVariables }> {
  secrets.forEach((secret, index) =>
    assertSecret(secret, index === 0 ? 'SERVICE_AUTH_SECRET' : 'SERVICE_AUTH_NEXT_SECRET'),
  );
  const keys = Promise.all(secrets.map(importKey));
  const refuse = (reason: Parameters<NonNullable<typeof onRefused>>[0], detail: string) => {
    onRefused?.(reason);
    return new EdgeMeshError('SIGNATURE', detail);
  };
  return async function serviceAuth(c, next) {
    const header = c.req.header(signatureHeader);
    if (!header) throw refuse('missing', `This route needs a signed caller (${signatureHeader}).`);
    const match = headerPattern.exec(header);
    if (!match) throw refuse('malformed', `${signatureHeader} is malformed.`);
    const [, t, caller, deadline, nonce, mac] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const timestamp = Number(t);
    if (Math.abs(now() - timestamp) > toleranceMs) {
      throw refuse('expired', `${signatureHeader} is outside the accepted time window.`);
    }
    if ((c.req.header(deadlineHeader) ?? '-') !== deadline) {
      throw refuse('invalid', `${signatureHeader} does not match the request's deadline.`);
    }
    const url = new URL(c.req.url);
    const body = ['GET', 'HEAD'].includes(c.req.method)
      ? undefined
      : await c.req.raw.clone().arrayBuffer();
    const data = await canonical(
      { timestamp, caller, deadline, nonce },
      c.req.method,
      url.pathname + url.search,
      body,
    );
    const signature = fromHex(mac);
    const results = await Promise.all(
      (await keys).map((key) => crypto.subtle.verify('HMAC', key, signature, data)),
    );
    if (!results.some(Boolean)) {
      throw refuse('invalid', `${signatureHeader} does not match the request.`);
    }
    if (replay && !(await replay.claim(`${caller}:${nonce}:${mac}`, toleranceMs * 2))) {
      throw refuse('replayed', `${signatureHeader} was already used.`);
    }
    c.set('caller', caller);
    await next();
  };
}
