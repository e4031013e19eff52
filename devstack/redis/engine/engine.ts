import { errorReply, type Reply } from '../reply.ts';
import type { CommandContext, CommandTable } from './command.ts';
import { CommandError, wrongArity } from './errors.ts';
import { Keyspace } from './keyspace.ts';
import { hashCommands } from './commands/hashes.ts';
import { keyCommands } from './commands/keys.ts';
import { listCommands } from './commands/lists.ts';
import { scriptingCommands, serverCommands } from './commands/server.ts';
import { setCommands } from './commands/sets.ts';
import { sortedSetCommands } from './commands/sorted-sets.ts';
import { stringCommands } from './commands/strings.ts';

const COMMANDS: CommandTable = {
  ...stringCommands,
  ...keyCommands,
  ...hashCommands,
  ...setCommands,
  ...listCommands,
  ...sortedSetCommands,
  ...serverCommands,
  ...scriptingCommands,
};

export interface EngineOptions {
  /** Clock in unix ms; defaults to Date.now. Inject a fake one to test expiry. */
  now?: () => number;
}

/** An in-memory, single-database Redis that answers like redis-server 7.0. */
export interface Engine {
  execute(args: readonly string[]): Reply;
  /** The error MULTI would queue for these args (unknown command, wrong arity), else null. */
  check(args: readonly string[]): Reply | null;
}

/** Redis' reply for an unknown command: the first args quoted, cut off after 128 chars. */
function unknownCommand(args: readonly string[]): Reply {
  let quoted = '';
  for (const word of args.slice(1)) {
    if (quoted.length >= 128) break;
    quoted += `'${word.slice(0, 128 - quoted.length)}' `;
  }
  const name = (args[0] ?? '').slice(0, 128);
  const message = `ERR unknown command '${name}', with args beginning with: ${quoted}`;
  return errorReply(message.replace(/[\r\n]/g, ' '));
}

export function createEngine({ now = Date.now }: EngineOptions = {}): Engine {
  const db = new Keyspace(now);
  const ctx: CommandContext = { db, now, flush: () => db.clear() };
  const lookup = (args: readonly string[]) => {
    const name = (args[0] ?? '').toLowerCase();
    const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!spec) return unknownCommand(args);
    const arityOk = spec.arity >= 0 ? args.length === spec.arity : args.length >= -spec.arity;
    return arityOk ? spec : errorReply(wrongArity(name));
  };
  return {
    check(args) {
      const found = lookup(args);
      return 'run' in found ? null : found;
    },
    execute(args) {
      const spec = lookup(args);
      if (!('run' in spec)) return spec;
      try {
        return spec.run(args.slice(1), ctx);
      } catch (error) {
        if (error instanceof CommandError) return errorReply(error.message);
        throw error;
      } finally {
        db.settle();
      }
    },
  };
}
