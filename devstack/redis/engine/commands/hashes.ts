import { bulk, bulkArray, integer, OK } from '../../reply.ts';
import { arg, type CommandContext, type CommandTable } from '../command.ts';
import { fail, OVERFLOW, wrongArity } from '../errors.ts';
import { INT64_MAX, INT64_MIN, parseInt64, requireInt64 } from '../numbers.ts';
import { isInfinityText, parseLongDouble } from '../long-double.ts';
import { addFloatTexts } from './strings.ts';

const readHash = (ctx: CommandContext, key: string) => ctx.db.getAs(key, 'hash')?.data;

function setFields(name: string, args: readonly string[], ctx: CommandContext): number {
  const [key = '', ...pairs] = args;
  if (pairs.length % 2 !== 0) fail(wrongArity(name));
  const hash = ctx.db.getOrCreate(key, 'hash').data;
  let added = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const field = arg(pairs, i);
    if (!hash.has(field)) added += 1;
    hash.set(field, arg(pairs, i + 1));
  }
  return added;
}

export const hashCommands: CommandTable = {
  hset: { arity: -4, write: true, run: (args, ctx) => integer(setFields('hset', args, ctx)) },
  hmset: {
    arity: -4,
    write: true,
    run: (args, ctx) => {
      setFields('hmset', args, ctx);
      return OK;
    },
  },
  hsetnx: {
    arity: 4,
    write: true,
    run: ([key = '', field = '', value = ''], ctx) => {
      const hash = ctx.db.getOrCreate(key, 'hash').data;
      if (hash.has(field)) return integer(0);
      hash.set(field, value);
      return integer(1);
    },
  },
  hget: {
    arity: 3,
    run: ([key = '', field = ''], ctx) => bulk(readHash(ctx, key)?.get(field) ?? null),
  },
  hmget: {
    arity: -3,
    run: ([key = '', ...fields], ctx) => {
      const hash = readHash(ctx, key);
      return bulkArray(fields.map((field) => hash?.get(field) ?? null));
    },
  },
  hgetall: {
    arity: 2,
    run: ([key = ''], ctx) => bulkArray([...(readHash(ctx, key) ?? [])].flat()),
  },
  hkeys: { arity: 2, run: ([key = ''], ctx) => bulkArray(readHash(ctx, key)?.keys() ?? []) },
  hvals: { arity: 2, run: ([key = ''], ctx) => bulkArray(readHash(ctx, key)?.values() ?? []) },
  hlen: { arity: 2, run: ([key = ''], ctx) => integer(readHash(ctx, key)?.size ?? 0) },
  hstrlen: {
    arity: 3,
    run: ([key = '', field = ''], ctx) =>
      integer(Buffer.byteLength(readHash(ctx, key)?.get(field) ?? '')),
  },
  hexists: {
    arity: 3,
    run: ([key = '', field = ''], ctx) => integer(readHash(ctx, key)?.has(field) ? 1 : 0),
  },
  hdel: {
    arity: -3,
    write: true,
    run: ([key = '', ...fields], ctx) => {
      const hash = readHash(ctx, key);
      if (!hash) return integer(0);
      ctx.db.touch(key);
      return integer(fields.filter((field) => hash.delete(field)).length);
    },
  },
  hincrby: {
    arity: 4,
    write: true,
    run: ([key = '', field = '', by = ''], ctx) => {
      const increment = requireInt64(by);
      const hash = ctx.db.getOrCreate(key, 'hash').data;
      const text = hash.get(field);
      const current = text === undefined ? 0n : parseInt64(text);
      if (current === null) fail('ERR hash value is not an integer');
      const next = current + increment;
      if (next > INT64_MAX || next < INT64_MIN) fail(OVERFLOW);
      hash.set(field, next.toString());
      return integer(Number(next));
    },
  },
  hincrbyfloat: {
    arity: 4,
    write: true,
    run: ([key = '', field = '', by = ''], ctx) => {
      if (!parseLongDouble(by)) {
        fail(
          isInfinityText(by) ? 'ERR value is NaN or Infinity' : 'ERR value is not a valid float',
        );
      }
      const hash = ctx.db.getOrCreate(key, 'hash').data;
      const sum = addFloatTexts(hash.get(field) ?? '0', by, 'ERR hash value is not a float');
      hash.set(field, sum);
      return bulk(sum);
    },
  },
};
