import type { PGlite } from '@electric-sql/pglite';

const readyForQuery = 0x5a; // 'Z'
const terminate = 0x58; // 'X'
const idle = 0x49; // 'I'

/**
 * Whether the connection whose message produced `outputTail` (the last bytes PGlite sent back)
 * keeps PGlite's single backend to itself. It does until the backend reports ReadyForQuery with
 * status Idle: through an extended-query sequence up to Sync, a COPY, or an open transaction.
 */
export function keepsBackend(message: Uint8Array, outputTail: Uint8Array): boolean {
  if (message[0] === terminate) return false;
  const at = outputTail.length - 6;
  const endsWithReady =
    at >= 0 &&
    outputTail[at] === readyForQuery &&
    outputTail[at + 1] === 0 &&
    outputTail[at + 2] === 0 &&
    outputTail[at + 3] === 0 &&
    outputTail[at + 4] === 5;
  return !(endsWithReady && outputTail[at + 5] === idle);
}

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

const syncMessage = new Uint8Array([0x53, 0, 0, 0, 4]);
const rollbackMessage = simpleQuery('ROLLBACK');

/**
 * Runs protocol messages from many sockets on one PGlite, one connection's unit at a time.
 *
 * pglite-socket 0.2.17's own queue only keeps explicit transactions together, so two pooled
 * connections running parameterised queries interleave Parse/Bind/Execute on the one backend
 * ("portal \"\" does not exist", rows of the other query). This queue has the same methods, so
 * it plugs into PGLiteSocketHandler's `queryQueue` option.
 */
export class PgliteQueryQueue {
  private readonly queue: Pending[] = [];
  private owner: number | undefined;
  private running = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void) {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.drain();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    for (let index = this.queue.length - 1; index >= 0; index -= 1) {
      const pending = this.queue[index];
      if (pending?.handlerId !== handlerId) continue;
      this.queue.splice(index, 1);
      pending.reject(new Error('Handler disconnected'));
    }
  }

  /** Frees the backend from a connection that went away in the middle of a unit. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    await this.db.runExclusive(async () => {
      // Sync ends a half-sent extended sequence; ROLLBACK ends an open transaction.
      await this.db.execProtocolRawStream(syncMessage, { onRawData: () => {} });
      if (this.db.isInTransaction()) {
        await this.db.execProtocolRawStream(rollbackMessage, { onRawData: () => {} });
      }
    });
    this.owner = undefined;
    await this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const index =
          this.owner === undefined
            ? 0
            : this.queue.findIndex((pending) => pending.handlerId === this.owner);
        const next = index >= 0 ? this.queue[index] : undefined;
        if (!next) return;
        this.queue.splice(index, 1);
        let bytes = 0;
        let tail: Uint8Array = new Uint8Array(0);
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(next.message, {
              onRawData: (data) => {
                bytes += data.length;
                tail = lastBytes(tail, data, 6);
                next.onData(data);
              },
            }),
          );
        } catch (error) {
          this.owner = undefined;
          next.reject(error);
          continue;
        }
        this.owner = keepsBackend(next.message, tail) ? next.handlerId : undefined;
        next.resolve(bytes);
      }
    } finally {
      this.running = false;
    }
  }
}

function lastBytes(previous: Uint8Array, data: Uint8Array, count: number): Uint8Array {
  if (data.length >= count) return data.slice(data.length - count);
  const joined = new Uint8Array(previous.length + data.length);
  joined.set(previous);
  joined.set(data, previous.length);
  return joined.slice(Math.max(0, joined.length - count));
}

function simpleQuery(text: string): Uint8Array {
  const sql = Buffer.from(`${text}\0`, 'utf8');
  const message = Buffer.alloc(5 + sql.length);
  message.write('Q', 0, 'latin1');
  message.writeInt32BE(4 + sql.length, 1);
  sql.copy(message, 5);
  return message;
}
