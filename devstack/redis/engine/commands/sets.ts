import { bulkArray, integer } from '../../reply.ts';
import type { CommandContext, CommandTable } from '../command.ts';

const readSet = (ctx: CommandContext, key: string) => ctx.db.getAs(key, 'set')?.data;

export const setCommands: CommandTable = {
  sadd: {
    arity: -3,
    write: true,
    run: ([key = '', ...members], ctx) => {
      const set = ctx.db.getOrCreate(key, 'set').data;
      let added = 0;
      for (const member of members) {
        if (set.has(member)) continue;
        set.add(member);
        added += 1;
      }
      return integer(added);
    },
  },
  srem: {
    arity: -3,
    write: true,
    run: ([key = '', ...members], ctx) => {
      const set = readSet(ctx, key);
      if (!set) return integer(0);
      ctx.db.touch(key);
      return integer(members.filter((member) => set.delete(member)).length);
    },
  },
  smembers: { arity: 2, run: ([key = ''], ctx) => bulkArray(readSet(ctx, key) ?? []) },
  sismember: {
    arity: 3,
    run: ([key = '', member = ''], ctx) => integer(readSet(ctx, key)?.has(member) ? 1 : 0),
  },
  smismember: {
    arity: -3,
    run: ([key = '', ...members], ctx) => {
      const set = readSet(ctx, key);
      return { kind: 'array', value: members.map((m) => integer(set?.has(m) ? 1 : 0)) };
    },
  },
  scard: { arity: 2, run: ([key = ''], ctx) => integer(readSet(ctx, key)?.size ?? 0) },
};
