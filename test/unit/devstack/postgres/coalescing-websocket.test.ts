import { describe, expect, it } from 'vitest';
import { neonConfig } from '@neondatabase/serverless';
import { coalescingWebSocket } from '../../../../devstack/postgres/coalescing-websocket.ts';
import { createPool } from '../../../../shared/postgres/neon.ts';

/** Stands in for `ws`: records what reaches the wire, one entry per frame. */
class RecordingSocket {
  static sent: { bytes: number[]; rest: unknown[] }[] = [];
  readyState = 1;
  send(data: Uint8Array | string, ...rest: unknown[]): void {
    RecordingSocket.sent.push({
      bytes: typeof data === 'string' ? [...new TextEncoder().encode(data)] : [...data],
      rest,
    });
  }
}

const Coalescing = coalescingWebSocket(RecordingSocket);
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('coalescingWebSocket', () => {
  it('sends what is written in one turn as one frame, in order, without waiting for a timer', async () => {
    RecordingSocket.sent = [];
    const socket = new Coalescing();
    socket.send(new Uint8Array([1, 2]));
    socket.send(new Uint8Array([3]));
    socket.send(new Uint8Array([4, 5]));
    expect(RecordingSocket.sent).toEqual([]);
    await Promise.resolve();
    expect(RecordingSocket.sent).toEqual([{ bytes: [1, 2, 3, 4, 5], rest: [] }]);
    socket.send(new Uint8Array([6]));
    await tick();
    expect(RecordingSocket.sent.map((frame) => frame.bytes)).toEqual([[1, 2, 3, 4, 5], [6]]);
  });

  it('flushes what is pending before a send with a callback or text, keeping the order', async () => {
    RecordingSocket.sent = [];
    const socket = new Coalescing();
    const done = () => {};
    socket.send(new Uint8Array([1]));
    socket.send(new Uint8Array([2]), done);
    socket.send('x');
    await tick();
    expect(RecordingSocket.sent).toEqual([
      { bytes: [1], rest: [] },
      { bytes: [2], rest: [done] },
      { bytes: [120], rest: [] },
    ]);
  });

  it('leaves a socket that is not open to its own send', () => {
    RecordingSocket.sent = [];
    const socket = new Coalescing();
    socket.readyState = 0;
    socket.send(new Uint8Array([7]));
    expect(RecordingSocket.sent).toEqual([{ bytes: [7], rest: [] }]);
  });

  it('makes createPool turn the driver’s own coalescing off, and a plain class leaves it on', async () => {
    const config = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };
    await createPool(config, { webSocketConstructor: Coalescing as never }).end();
    expect(neonConfig.coalesceWrites).toBe(false);
    await createPool(config, { webSocketConstructor: RecordingSocket as never }).end();
    expect(neonConfig.coalesceWrites).toBe(true);
  });
});
