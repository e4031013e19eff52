import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { EdgeMeshError } from '../../shared/errors/index.ts';

/**
 * What the browser may load and run: scripts and styles from the console only, so a value that
 * slipped into markup could still not run. uPlot sets inline styles on its elements.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Security headers on every answer. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('content-security-policy', contentSecurityPolicy);
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'no-referrer');
  c.header('cache-control', 'no-store');
};

/**
 * Only requests addressed to this loopback console: a page elsewhere that rebinds its DNS name
 * to 127.0.0.1 sends its own name in Host, and is refused.
 */
export function loopbackHost(port: () => number): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    const allowed = ['127.0.0.1', 'localhost', '[::1]'].map((name) => `${name}:${port()}`);
    if (!allowed.includes(host)) {
      throw new EdgeMeshError('FORBIDDEN', `The console answers only ${allowed.join(', ')}.`);
    }
    await next();
  };
}

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Writes need `Authorization: Bearer <operator token>`; reads do not. */
export function operatorWrites(token: string): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const given = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      if (!given) {
        throw new EdgeMeshError(
          'UNAUTHORIZED',
          'Changes need the operator token (npm start prints it).',
        );
      }
      if (!same(given, token))
        throw new EdgeMeshError('FORBIDDEN', 'That is not the operator token.');
    }
    await next();
  };
}
