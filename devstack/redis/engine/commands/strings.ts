import { bulk, bulkArray, integer, NIL, OK } from '../../reply.ts';
import { arg, type CommandContext, type CommandTable } from '../command.ts';
import { fail, invalidExpireTime, NOT_FLOAT, OVERFLOW, SYNTAX, wrongArity } from '../errors.ts';
import { INT64_MAX, INT64_MIN, requireInt64 } from '../numbers.ts';
import {
  addLongDouble,
  formatLongDouble,
  isInfinityText,
  parseLongDouble,
} from '../long-double.ts';

const byteLength = (text: string) => Buffer.byteLength(text);

function readString(ctx: CommandContext, key: string): string | null {
  return ctx.db.getAs(key, 'string')?.data ?? null;
}

interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  expire: { unit: 'ex' | 'px' | 'exat' | 'pxat'; text: string } | null;
}

// Mirrors parseExtendedStringArgumentsOrReply: repeated options are fine, conflicting ones are not.
function parseSetOptions(words: readonly string[]): SetOptions {
  const options: SetOptions = { nx: false, xx: false, get: false, keepTtl: false, expire: null };
  for (let i = 0; i < words.length; i++) {
    const word = arg(words, i).toLowerCase();
    const next = words[i + 1];
    if (word === 'nx' && !options.xx) options.nx = true;
    else if (word === 'xx' && !options.nx) options.xx = true;
    else if (word === 'get') options.get = true;
    else if (word === 'keepttl' && !options.expire) options.keepTtl = true;
    else if (
      (word === 'ex' || word === 'px' || word === 'exat' || word === 'pxat') &&
      !options.keepTtl &&
      (!options.expire || options.expire.unit === word) &&
      next !== undefined
    ) {
      options.expire = { unit: word, text: next };
      i += 1;
    } else fail(SYNTAX);
  }
  return options;
}

/** The absolute expiry in unix ms for SET/GETEX-style options, validated like Redis. */
function expireAtFor(
  expire: NonNullable<SetOptions['expire']>,
  ctx: CommandContext,
  command: string,
): number {
  const amount = requireInt64(expire.text);
  const seconds = expire.unit === 'ex' || expire.unit === 'exat';
  if (amount <= 0n || (seconds && amount > INT64_MAX / 1000n)) fail(invalidExpireTime(command));
  const ms = seconds ? amount * 1000n : amount;
  const relative = expire.unit === 'ex' || expire.unit === 'px';
  const base = relative ? BigInt(ctx.now()) : 0n;
  if (ms > INT64_MAX - base) fail(invalidExpireTime(command));
  return Number(ms + base);
}

function incrementBy(ctx: CommandContext, key: string, by: bigint) {
  const current = readString(ctx, key);
  const value = current === null ? 0n : requireInt64(current);
  const next = value + by;
  if (next > INT64_MAX || next < INT64_MIN) fail(OVERFLOW);
  ctx.db.set(key, { type: 'string', data: next.toString() }, { keepTtl: true });
  return integer(Number(next));
}

export const stringCommands: CommandTable = {
  get: { arity: 2, run: ([key = ''], ctx) => bulk(readString(ctx, key)) },
  getdel: {
    arity: 2,
    write: true,
    run: ([key = ''], ctx) => {
      const value = readString(ctx, key);
      if (value !== null) ctx.db.delete(key);
      return bulk(value);
    },
  },
  getset: {
    arity: 3,
    write: true,
    run: ([key = '', value = ''], ctx) => {
      const old = readString(ctx, key);
      ctx.db.set(key, { type: 'string', data: value });
      return bulk(old);
    },
  },
  set: {
    arity: -3,
    write: true,
    run: ([key = '', value = '', ...rest], ctx) => {
      const options = parseSetOptions(rest);
      const expiresAt = options.expire ? expireAtFor(options.expire, ctx, 'set') : null;
      const old = options.get ? readString(ctx, key) : null;
      const found = ctx.db.exists(key);
      if ((options.nx && found) || (options.xx && !found)) return options.get ? bulk(old) : NIL;
      ctx.db.set(key, { type: 'string', data: value }, { keepTtl: options.keepTtl });
      if (expiresAt !== null) ctx.db.setExpiresAt(key, expiresAt);
      return options.get ? bulk(old) : OK;
    },
  },
  setnx: {
    arity: 3,
    write: true,
    run: ([key = '', value = ''], ctx) => {
      if (ctx.db.exists(key)) return integer(0);
      ctx.db.set(key, { type: 'string', data: value });
      return integer(1);
    },
  },
  setex: {
    arity: 4,
    write: true,
    run: ([key = '', seconds = '', value = ''], ctx) => {
      const at = expireAtFor({ unit: 'ex', text: seconds }, ctx, 'setex');
      ctx.db.set(key, { type: 'string', data: value });
      ctx.db.setExpiresAt(key, at);
      return OK;
    },
  },
  psetex: {
    arity: 4,
    write: true,
    run: ([key = '', ms = '', value = ''], ctx) => {
      const at = expireAtFor({ unit: 'px', text: ms }, ctx, 'psetex');
      ctx.db.set(key, { type: 'string', data: value });
      ctx.db.setExpiresAt(key, at);
      return OK;
    },
  },
  mget: {
    arity: -2,
    run: (keys, ctx) =>
      bulkArray(
        keys.map((key) => {
          const value = ctx.db.get(key);
          return value?.type === 'string' ? value.data : null;
        }),
      ),
  },
  mset: {
    arity: -3,
    write: true,
    run: (args, ctx) => {
      if (args.length % 2 !== 0) fail(wrongArity('mset'));
      for (let i = 0; i < args.length; i += 2) {
        ctx.db.set(arg(args, i), { type: 'string', data: arg(args, i + 1) });
      }
      return OK;
    },
  },
  incr: { arity: 2, write: true, run: ([key = ''], ctx) => incrementBy(ctx, key, 1n) },
  decr: { arity: 2, write: true, run: ([key = ''], ctx) => incrementBy(ctx, key, -1n) },
  incrby: {
    arity: 3,
    write: true,
    run: ([key = '', by = ''], ctx) => incrementBy(ctx, key, requireInt64(by)),
  },
  decrby: {
    arity: 3,
    write: true,
    run: ([key = '', by = ''], ctx) => {
      const amount = requireInt64(by);
      if (amount === INT64_MIN) fail('ERR decrement would overflow');
      return incrementBy(ctx, key, -amount);
    },
  },
  incrbyfloat: {
    arity: 3,
    write: true,
    run: ([key = '', by = ''], ctx) => {
      const current = readString(ctx, key) ?? '0';
      const sum = addFloatTexts(current, by, NOT_FLOAT);
      ctx.db.set(key, { type: 'string', data: sum }, { keepTtl: true });
      return bulk(sum);
    },
  },
  append: {
    arity: 3,
    write: true,
    run: ([key = '', suffix = ''], ctx) => {
      const next = (readString(ctx, key) ?? '') + suffix;
      ctx.db.set(key, { type: 'string', data: next }, { keepTtl: true });
      return integer(byteLength(next));
    },
  },
  strlen: {
    arity: 2,
    run: ([key = ''], ctx) => integer(byteLength(readString(ctx, key) ?? '')),
  },
};

/** current + increment in long double, as INCRBYFLOAT and HINCRBYFLOAT store it. */
export function addFloatTexts(current: string, increment: string, currentError: string): string {
  const value = parseLongDouble(current);
  if (!value && !isInfinityText(current)) fail(currentError);
  const by = parseLongDouble(increment);
  if (!by && !isInfinityText(increment)) fail(NOT_FLOAT);
  const sum = value && by ? addLongDouble(value, by) : null;
  if (!sum) fail('ERR increment would produce NaN or Infinity');
  return formatLongDouble(sum);
}
