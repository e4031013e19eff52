import { Agent, request } from 'undici';

export interface UndiciFetchOptions {
  /** Most connections kept open per origin. Default 16. */
  connections?: number;
}

type RawHeaders = Record<string, string | string[] | undefined>;

function requestHeaders(headers: HeadersInit | undefined): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  if (headers instanceof Headers || Array.isArray(headers)) {
    return Object.fromEntries(new Headers(headers));
  }
  return headers;
}

function responseHeaders(headers: RawHeaders): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const each of value) result.append(name, each);
    else if (value !== undefined) result.append(name, value);
  }
  return result;
}

const decoder = new TextDecoder();

/**
 * A Response over a body already read into memory. Node's Response pipes even a buffered body
 * through a web ReadableStream, and builds Headers up front: for a small `/sql` answer that costs
 * more than parsing it. This one decodes the bytes directly, and makes `body` and `headers` on
 * first use.
 */
class BufferedResponse extends Response {
  readonly #bytes: Uint8Array<ArrayBuffer>;
  readonly #rawHeaders: RawHeaders;
  #headers: Headers | undefined;
  #used = false;

  constructor(bytes: Uint8Array<ArrayBuffer>, status: number, headers: RawHeaders) {
    super(null, { status });
    this.#bytes = bytes;
    this.#rawHeaders = headers;
    // Response declares these as fields, so they are redefined here rather than overridden.
    Object.defineProperties(this, {
      headers: { get: () => (this.#headers ??= responseHeaders(this.#rawHeaders)) },
      body: { get: () => (this.#bytes.length === 0 ? null : new Response(this.#take()).body) },
      bodyUsed: { get: () => this.#used },
    });
  }

  #take(): Uint8Array<ArrayBuffer> {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#bytes;
  }

  override text(): Promise<string> {
    return Promise.resolve().then(() => decoder.decode(this.#take()));
  }

  override json(): Promise<unknown> {
    return this.text().then((text) => JSON.parse(text) as unknown);
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve().then(() => {
      const bytes = this.#take();
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    });
  }

  override blob(): Promise<Blob> {
    return this.arrayBuffer().then((buffer) => new Blob([buffer]));
  }

  override clone(): Response {
    if (this.#used) throw new TypeError('Response.clone: Body has already been consumed');
    return new BufferedResponse(this.#bytes, this.status, this.#rawHeaders);
  }
}

/**
 * A fetch for the Neon driver's HTTP path on Node (`createSql(config, { fetch: undiciFetch() })`):
 * undici's `request` on keep-alive connections, answered as a Response over the buffered body.
 * Node's own fetch runs the whole WHATWG fetch algorithm per call, about 0.3 ms of CPU per query
 * on a small machine; this takes about a third. For the driver's requests (URL string, method,
 * headers, string body), not a general fetch: no redirects, no cookies, no CORS, and the body is
 * read whole before the Response is returned.
 */
export function undiciFetch({ connections = 16 }: UndiciFetchOptions = {}): typeof fetch {
  const dispatcher = new Agent({ connections });
  return async (input, init = {}) => {
    const url = input instanceof Request ? input.url : input.toString();
    const answer = await request(url, {
      method: init.method ?? 'GET',
      headers: requestHeaders(init.headers),
      body: (init.body ?? null) as string | Uint8Array | null,
      signal: init.signal ?? undefined,
      dispatcher,
    });
    const bytes = new Uint8Array(await answer.body.arrayBuffer());
    return new BufferedResponse(bytes, answer.statusCode, answer.headers);
  };
}
