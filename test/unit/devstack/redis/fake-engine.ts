import { createEngine } from '../../../../devstack/redis/engine/engine.ts';
import type { Reply } from '../../../../devstack/redis/reply.ts';

/** An engine on a hand-moved clock, with helpers that unwrap replies to plain values. */
export function fakeEngine(start = Date.UTC(2030, 0, 1)) {
  let now = start;
  const engine = createEngine({ now: () => now });
  const run = (...args: string[]) => plain(engine.execute(args));
  return {
    run,
    advance: (ms: number) => {
      now += ms;
    },
    engine,
  };
}

export type Plain = string | number | null | { error: string } | Plain[];

export function plain(reply: Reply): Plain {
  switch (reply.kind) {
    case 'status':
    case 'bulk':
      return reply.value;
    case 'integer':
      return reply.value;
    case 'array':
      return reply.value === null ? null : reply.value.map(plain);
    case 'error':
      return { error: reply.message };
  }
}
