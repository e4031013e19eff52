import { bulk, bulkArray, EMPTY_ARRAY, integer, NIL, NIL_ARRAY, OK } from '../../reply.ts';
import type { CommandContext, CommandTable } from '../command.ts';
import { fail, MUST_BE_POSITIVE, wrongArity } from '../errors.ts';
import { parseInt64, requireInteger } from '../numbers.ts';

const readList = (ctx: CommandContext, key: string) => ctx.db.getAs(key, 'list');

/** Redis' start/stop clamping for LRANGE and LTRIM; null when the range is empty. */
function clampRange(start: number, stop: number, length: number): [number, number] | null {
  let from = start < 0 ? length + start : start;
  let to = stop < 0 ? length + stop : stop;
  if (from < 0) from = 0;
  if (from > to || from >= length) return null;
  if (to >= length) to = length - 1;
  return [from, to];
}

function push(left: boolean) {
  return {
    arity: -3,
    write: true,
    run: ([key = '', ...values]: readonly string[], ctx: CommandContext) => {
      const list = ctx.db.getOrCreate(key, 'list');
      if (left) list.data.unshift(...[...values].reverse());
      else list.data.push(...values);
      return integer(list.data.length);
    },
  };
}

function pop(left: boolean, name: string) {
  return {
    arity: -2,
    write: true,
    run: ([key = '', ...rest]: readonly string[], ctx: CommandContext) => {
      if (rest.length > 1) fail(wrongArity(name));
      const countText = rest[0];
      let count: number | null = null;
      if (countText !== undefined) {
        const parsed = parseInt64(countText);
        if (parsed === null || parsed < 0n) fail(MUST_BE_POSITIVE);
        count = Number(parsed);
      }
      const list = readList(ctx, key);
      if (!list) return count === null ? NIL : NIL_ARRAY;
      if (count === 0) return EMPTY_ARRAY;
      ctx.db.touch(key);
      const taken = left
        ? list.data.splice(0, count ?? 1)
        : list.data.splice(Math.max(0, list.data.length - (count ?? 1))).reverse();
      return count === null ? bulk(taken[0] ?? null) : bulkArray(taken);
    },
  };
}

export const listCommands: CommandTable = {
  lpush: push(true),
  rpush: push(false),
  lpop: pop(true, 'lpop'),
  rpop: pop(false, 'rpop'),
  llen: { arity: 2, run: ([key = ''], ctx) => integer(readList(ctx, key)?.data.length ?? 0) },
  lrange: {
    arity: 4,
    run: ([key = '', start = '', stop = ''], ctx) => {
      const from = requireInteger(start);
      const to = requireInteger(stop);
      const list = readList(ctx, key)?.data ?? [];
      const range = clampRange(from, to, list.length);
      return bulkArray(range ? list.slice(range[0], range[1] + 1) : []);
    },
  },
  lindex: {
    arity: 3,
    run: ([key = '', index = ''], ctx) => {
      const at = requireInteger(index);
      const list = readList(ctx, key)?.data ?? [];
      return bulk(list[at < 0 ? list.length + at : at] ?? null);
    },
  },
  ltrim: {
    arity: 4,
    write: true,
    run: ([key = '', start = '', stop = ''], ctx) => {
      const from = requireInteger(start);
      const to = requireInteger(stop);
      const list = readList(ctx, key);
      if (!list) return OK;
      const range = clampRange(from, to, list.data.length);
      list.data = range ? list.data.slice(range[0], range[1] + 1) : [];
      ctx.db.touch(key);
      return OK;
    },
  },
};
