import { EdgeMeshError } from '../../shared/errors/index.ts';
import { EXECABORT, type RedisBackend } from './backend.ts';
import { createEngine, type EngineOptions } from './engine/engine.ts';
import type { Reply } from './reply.ts';

/** A backend on the in-process engine; a batch runs atomically because the engine is synchronous. */
export function embeddedRedisBackend(options: EngineOptions = {}): RedisBackend {
  let engine = createEngine(options);
  let downUntil = 0;
  // A command during a restart fails the way one does on a Redis that is down.
  const restarting = () =>
    Date.now() < downUntil
      ? new EdgeMeshError('UNAVAILABLE', 'redis: the embedded engine is restarting')
      : undefined;
  return {
    kind: 'embedded',
    description: 'embedded in-memory engine (Lua scripts through fengari)',
    execute(command) {
      const down = restarting();
      return down ? Promise.reject(down) : Promise.resolve(engine.execute(command));
    },
    executeBatch(commands, atomic) {
      const down = restarting();
      if (down) return Promise.reject(down);
      // MULTI rejects unknown commands and wrong arity while queueing, then EXEC aborts.
      if (atomic && commands.some((command) => engine.check(command) !== null)) {
        return Promise.resolve({ discarded: { kind: 'error', message: EXECABORT } });
      }
      return Promise.resolve(commands.map((command): Reply => engine.execute(command)));
    },
    async restart({ keepData = true, downMs = 1000 } = {}) {
      downUntil = Date.now() + downMs;
      if (!keepData) engine = createEngine(options);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      return `embedded engine unavailable for ${downMs} ms, ${keepData ? 'keys kept' : 'every key dropped'}`;
    },
    close: () => Promise.resolve(),
  };
}
