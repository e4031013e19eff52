import { bulk, bulkArray, integer, OK, status } from '../../reply.ts';
import type { CommandContext, CommandTable } from '../command.ts';
import { fail, SYNTAX, wrongArity } from '../errors.ts';

function flush([mode]: readonly string[], ctx: CommandContext) {
  if (mode !== undefined && !/^(a?sync)$/i.test(mode)) fail(SYNTAX);
  ctx.flush();
  return OK;
}

export const serverCommands: CommandTable = {
  ping: {
    arity: -1,
    run: (args) => {
      if (args.length > 1) fail(wrongArity('ping'));
      return args[0] === undefined ? status('PONG') : bulk(args[0]);
    },
  },
  echo: { arity: 2, run: ([message = '']) => bulk(message) },
  time: {
    arity: 1,
    run: (_args, ctx) => {
      const ms = ctx.now();
      return bulkArray([String(Math.floor(ms / 1000)), String((ms % 1000) * 1000)]);
    },
  },
  // Nobody can subscribe to the embedded engine, so no one ever receives a message.
  publish: { arity: 3, run: () => integer(0) },
  flushdb: { arity: -1, run: flush },
  flushall: { arity: -1, run: flush },
};

/**
 * Lua is not embedded: EVAL, EVALSHA, SCRIPT and FCALL answer with this error. Scripts work
 * when the devstack runs on a real redis-server.
 */
export const SCRIPTING_UNSUPPORTED = 'ERR scripting is not supported by the embedded engine';

const unsupported = { arity: -1, run: () => fail(SCRIPTING_UNSUPPORTED) };

export const scriptingCommands: CommandTable = {
  eval: unsupported,
  evalsha: unsupported,
  eval_ro: unsupported,
  evalsha_ro: unsupported,
  script: unsupported,
  fcall: unsupported,
  fcall_ro: unsupported,
  function: unsupported,
};
