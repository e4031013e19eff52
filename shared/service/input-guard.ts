import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { EdgeMeshError } from '../errors/index.ts';
import {
  badText,
  checkJson,
  defaultJsonLimits,
  jsonIssue as issue,
  type JsonLimits,
} from '../http/index.ts';

/** What any request may carry before a route's own schema sees it; a JSON body's limits too. */
export interface InputLimits extends JsonLimits {
  /** Largest body, bytes (413 beyond). Default 64 KiB. */
  maxBodyBytes: number;
  /** Longest URL path and query, characters. Default 2,048. */
  maxUrlLength: number;
}

/** 64 KiB bodies, 2,048-character URLs, and the default JSON limits (depth 16, 1,000 items, 10,000 characters). */
export const defaultInputLimits: InputLimits = {
  ...defaultJsonLimits,
  maxBodyBytes: 64 * 1024,
  maxUrlLength: 2_048,
};

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
    // Connect streaming and gRPC(-Web) JSON bodies are enveloped frames, not JSON documents.
    const enveloped = /^application\/(connect|grpc|grpc-web)\+json/i.test(type);
    if (
      /^application\/([\w.+-]+\+)?json/i.test(type) &&
      !enveloped &&
      !c.req.header('upstash-signature')
    ) {
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
