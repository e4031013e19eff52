import { errorReply, type Reply } from '../reply.ts';
import type { CommandContext, CommandSpec, CommandTable } from './command.ts';
import { CommandError, wrongArity } from './errors.ts';
import { Keyspace } from './keyspace.ts';
import { hashCommands } from './commands/hashes.ts';
import { keyCommands } from './commands/keys.ts';
import { listCommands } from './commands/lists.ts';
import { scriptingCommands } from './commands/scripting.ts';
import { serverCommands } from './commands/server.ts';
import { setCommands } from './commands/sets.ts';
import { sortedSetCommands } from './commands/sorted-sets.ts';
import { stringCommands } from './commands/strings.ts';
import { createScripting } from './scripting.ts';

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
  /**
   * A Lua script running longer than this (wall clock, ms) is stopped with an error; default
   * 5000, Redis' busy-reply-threshold. Redis itself keeps running it and answers BUSY.
   */
  scriptTimeLimitMs?: number;
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

const SCRIPT_ERRORS = {
  unknown: 'ERR Unknown Redis command called from script',
  arity: 'ERR Wrong number of args calling Redis command from script',
  noscript: 'ERR This Redis command is not allowed from script',
  write: 'ERR Write commands are not allowed from read-only scripts.',
};

function findSpec(args: readonly string[]): CommandSpec | undefined {
  const name = (args[0] ?? '').toLowerCase();
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

const arityFits = (spec: CommandSpec, args: readonly string[]) =>
  spec.arity >= 0 ? args.length === spec.arity : args.length >= -spec.arity;

export function createEngine({
  now = Date.now,
  scriptTimeLimitMs = 5_000,
}: EngineOptions = {}): Engine {
  // While a script runs, keys expire against the time it started (Redis 7).
  let frozenAt: number | null = null;
  const db = new Keyspace(() => frozenAt ?? now());
  const runSpec = (spec: CommandSpec, args: readonly string[]): Reply => {
    try {
      return spec.run(args.slice(1), ctx);
    } catch (error) {
      if (error instanceof CommandError) return errorReply(error.message);
      throw error;
    } finally {
      db.settle();
    }
  };
  const scripting = createScripting({
    dispatch(args, readOnly) {
      const spec = findSpec(args);
      if (!spec) return errorReply(SCRIPT_ERRORS.unknown);
      if (!arityFits(spec, args)) return errorReply(SCRIPT_ERRORS.arity);
      if (spec.noscript) return errorReply(SCRIPT_ERRORS.noscript);
      if (readOnly && spec.write) return errorReply(SCRIPT_ERRORS.write);
      return runSpec(spec, args);
    },
    frozen(fn) {
      frozenAt = now();
      try {
        return fn();
      } finally {
        frozenAt = null;
      }
    },
    timeLimitMs: scriptTimeLimitMs,
  });
  const ctx: CommandContext = { db, now, flush: () => db.clear(), scripting };
  const lookup = (args: readonly string[]) => {
    const spec = findSpec(args);
    if (!spec) return unknownCommand(args);
    return arityFits(spec, args) ? spec : errorReply(wrongArity((args[0] ?? '').toLowerCase()));
  };
  return {
    check(args) {
      const found = lookup(args);
      return 'run' in found ? null : found;
    },
    execute(args) {
      const spec = lookup(args);
      return 'run' in spec ? runSpec(spec, args) : spec;
    },
  };
}
