import http from 'node:http';
import https from 'node:https';

/** A response as the delivery engine needs it. */
export interface SentResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

// Keep-alive pools: a destination that receives many messages gets reused connections.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

/** The request target exactly as the publisher wrote it (path and query, no normalising). */
export function requestTarget(url: string): string {
  const afterScheme = url.indexOf('//') + 2;
  const slash = url.indexOf('/', afterScheme);
  const query = url.indexOf('?', afterScheme);
  if (slash >= 0 && (query < 0 || slash < query)) return url.slice(slash);
  return query >= 0 ? `/${url.slice(query)}` : '/';
}

/**
 * One HTTP request with node:http (cheaper than fetch on the hot path, and it sends only the
 * headers given): no redirects followed, at most `maxBytes` of the response body kept.
 */
export function httpSend(
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body: Buffer | undefined;
    signal: AbortSignal;
    maxBytes: number;
  },
): Promise<SentResponse> {
  const target = new URL(url);
  const isHttps = target.protocol === 'https:';
  const lib = isHttps ? https : http;
  return new Promise((resolve, reject) => {
    const request = lib.request(
      {
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || (isHttps ? 443 : 80),
        path: requestTarget(url),
        method: init.method,
        headers: {
          ...init.headers,
          ...(init.body ? { 'Content-Length': String(init.body.length) } : {}),
          ...(target.username ? { Authorization: basicAuth(target) } : {}),
        },
        agent: agents[isHttps ? 'https:' : 'http:'],
        signal: init.signal,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < init.maxBytes) chunks.push(chunk.subarray(0, init.maxBytes - size));
          size += chunk.length;
        });
        response.on('end', () => {
          const headers = new Headers();
          const raw = response.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) {
            try {
              headers.append(raw[i]!, raw[i + 1]!);
            } catch {
              // A header value fetch's Headers refuses is left out of logs and callbacks.
            }
          }
          resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });
}

function basicAuth(url: URL): string {
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}
