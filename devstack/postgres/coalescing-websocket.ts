/** A WebSocket class as the Neon driver uses it: constructed with a URL, sends binary frames. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin's constructor must take any[]
type WebSocketClass = new (...args: any[]) => {
  send(data: never, ...rest: never[]): void;
  readonly readyState: number;
};

const open = 1;

/**
 * Wraps a WebSocket class (Node: the `ws` package) for the Neon driver so that everything it
 * writes in one turn of the event loop leaves as one frame, flushed on a microtask. node-postgres
 * writes a query as several small messages; the driver's own coalescing (`coalesceWrites`) waits
 * for `setTimeout(0)`, which Node clamps to 1 ms, on every round trip. `createPool` turns the
 * driver's coalescing off when it is given a class made here.
 * @example const pool = createPool(config, { webSocketConstructor: coalescingWebSocket(ws) });
 */
export function coalescingWebSocket<Base extends WebSocketClass>(
  base: Base,
): Base & { readonly coalescesWrites: true } {
  class CoalescingWebSocket extends base {
    static readonly coalescesWrites = true as const;
    #pending: Uint8Array[] = [];

    #flush(): void {
      const chunks = this.#pending;
      if (chunks.length === 0) return;
      this.#pending = [];
      const frame = chunks.length === 1 ? chunks[0]! : concat(chunks);
      (super.send as (data: Uint8Array) => void).call(this, frame);
    }

    override send(data: never, ...rest: never[]): void {
      const bytes = data as unknown;
      if (rest.length === 0 && bytes instanceof Uint8Array && this.readyState === open) {
        if (this.#pending.push(bytes) === 1) queueMicrotask(() => this.#flush());
        return;
      }
      this.#flush();
      super.send(data, ...rest);
    }
  }
  return CoalescingWebSocket;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}
