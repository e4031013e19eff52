import { OK } from '../../reply.ts';
import { arg, type CommandContext, type CommandSpec, type CommandTable } from '../command.ts';
import { fail, wrongArity } from '../errors.ts';
import { requireInteger } from '../numbers.ts';

/** Splits `numkeys key… arg…` like Redis' evalGetKeys. */
function keysAndArgs(words: readonly string[]): { keys: string[]; args: string[] } {
  const count = requireInteger(arg(words, 0));
  if (count < 0) fail("ERR Number of keys can't be negative");
  if (count > words.length - 1) fail("ERR Number of keys can't be greater than number of args");
  return { keys: words.slice(1, count + 1), args: words.slice(count + 1) };
}

function evalCommand(readOnly: boolean): CommandSpec {
  return {
    arity: -3,
    noscript: true,
    run: ([script = '', ...rest], ctx) => {
      const { keys, args } = keysAndArgs(rest);
      return ctx.scripting.eval(script, keys, args, readOnly);
    },
  };
}

function evalshaCommand(readOnly: boolean): CommandSpec {
  return {
    arity: -3,
    noscript: true,
    run: ([sha = '', ...rest], ctx) => {
      const { keys, args } = keysAndArgs(rest);
      return ctx.scripting.evalsha(sha, keys, args, readOnly);
    },
  };
}

function scriptCommand([subcommand = '', ...rest]: readonly string[], ctx: CommandContext) {
  switch (subcommand.toLowerCase()) {
    case 'load':
      if (rest.length !== 1) fail(wrongArity('script|load'));
      return ctx.scripting.load(arg(rest, 0));
    case 'exists':
      if (rest.length < 1) fail(wrongArity('script|exists'));
      return ctx.scripting.exists(rest);
    case 'flush':
      if (rest.length > 1 || (rest.length === 1 && !/^(a?sync)$/i.test(arg(rest, 0)))) {
        fail('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
      }
      ctx.scripting.flush();
      return OK;
    case 'kill':
      if (rest.length !== 0) fail(wrongArity('script|kill'));
      // Scripts run to completion before the engine takes another command.
      return fail('NOTBUSY No scripts in execution right now.');
    default:
      return fail(`ERR unknown subcommand '${subcommand}'. Try SCRIPT HELP.`);
  }
}

/** Redis Functions are not embedded; scripts (EVAL) are. */
export const FUNCTIONS_UNSUPPORTED =
  'ERR Redis Functions (FUNCTION, FCALL) are not supported by the embedded engine';

const unsupported: CommandSpec = {
  arity: -2,
  noscript: true,
  run: () => fail(FUNCTIONS_UNSUPPORTED),
};

export const scriptingCommands: CommandTable = {
  eval: evalCommand(false),
  eval_ro: evalCommand(true),
  evalsha: evalshaCommand(false),
  evalsha_ro: evalshaCommand(true),
  script: { arity: -2, noscript: true, run: scriptCommand },
  fcall: { ...unsupported, arity: -3 },
  fcall_ro: { ...unsupported, arity: -3 },
  function: unsupported,
};
