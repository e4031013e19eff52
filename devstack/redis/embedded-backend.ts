import { EXECABORT, type RedisBackend } from './backend.ts';
import { createEngine, type EngineOptions } from './engine/engine.ts';
import type { Reply } from './reply.ts';

/** A backend on the in-process engine; a batch runs atomically because the engine is synchronous. */
export function embeddedRedisBackend(options: EngineOptions = {}): RedisBackend {
  const engine = createEngine(options);
  return {
    kind: 'embedded',
    description: 'embedded in-memory engine (Lua scripts through fengari)',
    execute: (command) => Promise.resolve(engine.execute(command)),
    executeBatch(commands, atomic) {
      // MULTI rejects unknown commands and wrong arity while queueing, then EXEC aborts.
      if (atomic && commands.some((command) => engine.check(command) !== null)) {
        return Promise.resolve({ discarded: { kind: 'error', message: EXECABORT } });
      }
      return Promise.resolve(commands.map((command): Reply => engine.execute(command)));
    },
    close: () => Promise.resolve(),
  };
}
