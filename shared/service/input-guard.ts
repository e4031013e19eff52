import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { EdgeMeshError, type FieldIssue } from '../errors/index.ts';

/** What any request may carry before a route's own schema sees it. */
export interface InputLimits {
  /** Largest body, bytes (413 beyond). Default 64 KiB. */
  maxBodyBytes: number;
  /** Deepest nesting of a JSON body. Default 16. */
  maxDepth: number;
  /** Most elements of one JSON array, or keys of one object. Default 1,000. */
  maxItems: number;
  /** Longest string (and key) in a JSON body, characters. Default 10,000. */
  maxStringLength: number;
  /** Longest URL path and query, characters. Default 2,048. */
  maxUrlLength: number;
}

export const defaultInputLimits: InputLimits = {
  maxBodyBytes: 64 * 1024,
  maxDepth: 16,
  maxItems: 1_000,
  maxStringLength: 10_000,
  maxUrlLength: 2_048,
};

// NUL and other C0 controls but tab, newline and carriage return: Postgres refuses NUL in text
// and jsonb, and none of them belongs in an id or a name.
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string may not reach storage, or undefined when it may. */
function badText(text: string, maxLength: number): string | undefined {
  if (text.length > maxLength) return `longer than ${maxLength} characters`;
  if (controlCharacters.test(text)) return 'contains a NUL or control character';
  if (loneSurrogate.test(text)) return 'contains a lone surrogate';
  return undefined;
}

function issue(path: string, message: string): EdgeMeshError {
  const issues: FieldIssue[] = [{ path: path || '(root)', message }];
  return new EdgeMeshError('VALIDATION', `Invalid input at ${path || 'the body'}: ${message}.`, {
    issues,
  });
}

/** Walks a parsed JSON value; throws VALIDATION at the first value over a limit. */
function checkJson(value: unknown, limits: InputLimits, path: string, depth: number): void {
  if (depth > limits.maxDepth) throw issue(path, `nested deeper than ${limits.maxDepth}`);
  if (typeof value === 'string') {
    const bad = badText(value, limits.maxStringLength);
    if (bad) throw issue(path, bad);
  } else if (Array.isArray(value)) {
    if (value.length > limits.maxItems) throw issue(path, `more than ${limits.maxItems} items`);
    value.forEach((item, index) =>
      checkJson(item, limits, path ? `${path}.${index}` : String(index), depth + 1),
    );
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length > limits.maxItems) throw issue(path, `more than ${limits.maxItems} keys`);
    for (const [key, item] of entries) {
      const bad = badText(key, 256);
      if (bad) throw issue(path, `a key ${bad}`);
      checkJson(item, limits, path ? `${path}.${key}` : key, depth + 1);
    }
  }
}

/** Decodes a URL component, or undefined when its percent-encoding is broken. */
function decoded(component: string): string | undefined {
  try {
    return decodeURIComponent(component);
  } catch {
    return undefined;
  }
}

/**
 * Guards every route before its own validation: the body's size (413), the URL's length, and, in
 * the path, the query and a JSON body, NUL and control characters, lone surrogates, broken
 * percent-encoding, nesting and sizes that no handler or store should see (400 VALIDATION).
 */
export function inputGuard(limits: InputLimits = defaultInputLimits): MiddlewareHandler[] {
  const sizeLimit = bodyLimit({
    maxSize: limits.maxBodyBytes,
    onError: () => {
      throw new EdgeMeshError(
        'PAYLOAD_TOO_LARGE',
        `The body is larger than ${limits.maxBodyBytes} bytes.`,
      );
    },
  });
  const urlGuard: MiddlewareHandler = async (c, next) => {
    const url = new URL(c.req.url);
    if (url.pathname.length + url.search.length > limits.maxUrlLength) {
      throw issue('url', `longer than ${limits.maxUrlLength} characters`);
    }
    for (const segment of url.pathname.split('/')) {
      const text = decoded(segment);
      const bad =
        text === undefined ? 'has a broken percent-encoding' : badText(text, limits.maxUrlLength);
      if (bad) throw issue('path', bad);
    }
    for (const part of url.search.slice(1).split('&').filter(Boolean)) {
      const text = decoded(part.replaceAll('+', ' '));
      const bad =
        text === undefined ? 'has a broken percent-encoding' : badText(text, limits.maxUrlLength);
      if (bad) throw issue('query', bad);
    }
    await next();
  };
  const jsonGuard: MiddlewareHandler = async (c, next) => {
    const type = c.req.header('content-type') ?? '';
    // QStash deliveries are verified before they are parsed; their handlers answer a body that
    // can never succeed with 489, so QStash does not retry it.
    if (/^application\/([\w.+-]+\+)?json/i.test(type) && !c.req.header('upstash-signature')) {
      const text = await c.req.text();
      if (text.trim() !== '') {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          throw issue('', 'not valid JSON');
        }
        checkJson(body, limits, '', 0);
      }
    }
    await next();
  };
  return [sizeLimit, urlGuard, jsonGuard];
}
