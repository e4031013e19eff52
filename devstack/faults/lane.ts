import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** How one direction of a proxied connection is shaped right now. */
export interface LaneShape {
  /** Delay of the next chunk read, ms (already includes jitter). */
  delayMs(): number;
  /** Bytes per second, or undefined for no limit. */
  bytesPerSecond(): number | undefined;
  /** Drop what is read instead of forwarding it. */
  dropping(): boolean;
}

interface Item {
  chunk?: Buffer;
  end?: true;
  at: number;
}

// Past this many bytes queued, stop reading from the source until the queue drains.
const highWaterBytes = 1024 * 1024;
// A limited lane writes pieces of at most this share of a second's budget, so the rate is smooth.
const piecesPerSecond = 20;

/**
 * One direction of a proxied connection: reads `from`, writes to `to`, delaying each chunk
 * (order kept), pacing bytes to a rate, or dropping them. An end of `from` travels through the
 * same queue, so it is not delivered before the bytes sent ahead of it.
 */
export class Lane {
  private readonly queue: Item[] = [];
  private queuedBytes = 0;
  private lastAt = 0;
  private nextFree = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  private closed = false;
  /** Bytes forwarded so far. */
  forwarded = 0;
  /** Bytes dropped so far. */
  dropped = 0;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly shape: LaneShape,
  ) {
    from.on('data', (chunk: Buffer) => this.onData(chunk));
    from.on('end', () => this.push({ end: true, at: 0 }));
  }

  /** Sends everything queued without further delay, e.g. when latency is switched off. */
  release(): void {
    for (const item of this.queue) item.at = 0;
    this.lastAt = 0;
    this.nextFree = 0;
    this.pump();
  }

  /** Stops: timers cleared, nothing more written. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private onData(chunk: Buffer): void {
    if (this.shape.dropping()) {
      this.dropped += chunk.length;
      return;
    }
    this.push({ chunk, at: 0 });
    if (this.queuedBytes >= highWaterBytes) this.from.pause();
  }

  private push(item: Item): void {
    if (this.closed) return;
    // Never before an earlier chunk: TCP keeps order, so jitter cannot reorder bytes.
    const at = Math.max(this.lastAt, performance.now() + this.shape.delayMs());
    item.at = at;
    this.lastAt = at;
    this.queue.push(item);
    this.queuedBytes += item.chunk?.length ?? 0;
    if (!this.timer) this.pump();
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.waitingDrain) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const now = performance.now();
      if (head.at > now) return this.wake(head.at - now);
      if (head.end) {
        this.queue.shift();
        if (!this.to.destroyed) this.to.end();
        continue;
      }
      const rate = this.shape.bytesPerSecond();
      let piece = head.chunk!;
      if (rate !== undefined) {
        if (this.nextFree > now) return this.wake(this.nextFree - now);
        piece = piece.subarray(0, Math.max(1, Math.floor(rate / piecesPerSecond)));
        this.nextFree = Math.max(this.nextFree, now) + (piece.length / rate) * 1000;
      }
      if (piece.length === head.chunk!.length) this.queue.shift();
      else head.chunk = head.chunk!.subarray(piece.length);
      this.queuedBytes -= piece.length;
      this.forwarded += piece.length;
      if (this.to.destroyed) continue;
      if (!this.to.write(piece)) {
        this.waitingDrain = true;
        this.to.once('drain', () => {
          this.waitingDrain = false;
          this.pump();
        });
        return;
      }
    }
    if (this.from.isPaused() && this.queuedBytes < highWaterBytes / 2) this.from.resume();
  }

  private wake(ms: number): void {
    this.timer = setTimeout(() => this.pump(), Math.max(0, Math.ceil(ms)));
    if (this.from.isPaused() && this.queuedBytes < highWaterBytes / 2) this.from.resume();
  }
}
