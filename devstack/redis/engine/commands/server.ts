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
  publish: { arity: 3, write: true, run: () => integer(0) },
  flushdb: { arity: -1, write: true, run: flush },
  flushall: { arity: -1, write: true, run: flush },
};
