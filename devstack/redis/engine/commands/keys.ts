import { array, bulk, bulkArray, integer, status } from '../../reply.ts';
import { arg, type CommandContext, type CommandTable } from '../command.ts';
import { fail, invalidExpireTime, SYNTAX } from '../errors.ts';
import { globMatch } from '../glob.ts';
import { INT64_MAX, INT64_MIN, requireInt64, requireInteger } from '../numbers.ts';

type ExpireFlag = 'nx' | 'xx' | 'gt' | 'lt';

function parseExpireFlags(words: readonly string[]): Set<ExpireFlag> {
  const flags = new Set<ExpireFlag>();
  for (const word of words) {
    const flag = word.toLowerCase();
    if (flag === 'nx' || flag === 'xx' || flag === 'gt' || flag === 'lt') flags.add(flag);
    else fail(`ERR Unsupported option ${word}`);
  }
  if (flags.has('nx') && (flags.has('xx') || flags.has('gt') || flags.has('lt'))) {
    fail('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags.has('gt') && flags.has('lt')) {
    fail('ERR GT and LT options at the same time are not compatible');
  }
  return flags;
}

/** EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT share Redis' expireGenericCommand. */
function expireCommand(name: string, seconds: boolean, relative: boolean) {
  return {
    arity: -3,
    write: true,
    run: ([key = '', amount = '', ...rest]: readonly string[], ctx: CommandContext) => {
      const flags = parseExpireFlags(rest);
      let when = requireInt64(amount);
      if (seconds) {
        if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) fail(invalidExpireTime(name));
        when *= 1000n;
      }
      const base = relative ? BigInt(ctx.now()) : 0n;
      if (when > INT64_MAX - base) fail(invalidExpireTime(name));
      when += base;
      const current = ctx.db.expiresAt(key);
      if (current === undefined) return integer(0);
      const at = Number(when);
      if (flags.has('nx') && current !== null) return integer(0);
      if (flags.has('xx') && current === null) return integer(0);
      if (flags.has('gt') && (current === null || at <= current)) return integer(0);
      if (flags.has('lt') && current !== null && at >= current) return integer(0);
      if (at <= ctx.now()) ctx.db.delete(key);
      else ctx.db.setExpiresAt(key, at);
      return integer(1);
    },
  };
}

function ttlCommand(inSeconds: boolean) {
  return {
    arity: 2,
    run: ([key = '']: readonly string[], ctx: CommandContext) => {
      const at = ctx.db.expiresAt(key);
      if (at === undefined) return integer(-2);
      if (at === null) return integer(-1);
      const remaining = Math.max(0, at - ctx.now());
      return integer(inSeconds ? Math.floor((remaining + 500) / 1000) : remaining);
    },
  };
}

function deleteKeys(keys: readonly string[], ctx: CommandContext) {
  return integer(keys.filter((key) => ctx.db.delete(key)).length);
}

function scan(args: readonly string[], ctx: CommandContext) {
  const cursorText = arg(args, 0);
  // strtoul: an optional sign, and "-1" wraps to a huge cursor (past every key here).
  if (!/^[+-]?\d+$/.test(cursorText)) fail('ERR invalid cursor');
  if (BigInt(cursorText.replace('+', '')) >= 2n ** 64n) fail('ERR invalid cursor');
  let count = 10;
  let pattern: string | null = null;
  let type: string | null = null;
  for (let i = 1; i < args.length; i += 2) {
    const option = arg(args, i).toLowerCase();
    const value = args[i + 1];
    if (value === undefined) fail(SYNTAX);
    if (option === 'count') {
      count = requireInteger(value);
      if (count < 1) fail(SYNTAX);
    } else if (option === 'match') pattern = value;
    else if (option === 'type') type = value.toLowerCase();
    else fail(SYNTAX);
  }
  const from = cursorText.startsWith('-') ? Infinity : Number(cursorText);
  const keys: string[] = [];
  let examined = 0;
  let next = 0;
  for (const entry of ctx.db.entries(from)) {
    if (examined === count) {
      next = entry.seq;
      break;
    }
    examined += 1;
    if (pattern !== null && !globMatch(pattern, entry.key)) continue;
    if (type !== null && entry.type !== type) continue;
    keys.push(entry.key);
  }
  return array([bulk(String(next)), bulkArray(keys)]);
}

export const keyCommands: CommandTable = {
  del: { arity: -2, write: true, run: deleteKeys },
  unlink: { arity: -2, write: true, run: deleteKeys },
  exists: {
    arity: -2,
    run: (keys, ctx) => integer(keys.filter((key) => ctx.db.exists(key)).length),
  },
  type: { arity: 2, run: ([key = ''], ctx) => status(ctx.db.get(key)?.type ?? 'none') },
  expire: expireCommand('expire', true, true),
  pexpire: expireCommand('pexpire', false, true),
  expireat: expireCommand('expireat', true, false),
  pexpireat: expireCommand('pexpireat', false, false),
  persist: {
    arity: 2,
    write: true,
    run: ([key = ''], ctx) => {
      if (ctx.db.expiresAt(key) == null) return integer(0);
      ctx.db.setExpiresAt(key, null);
      return integer(1);
    },
  },
  ttl: ttlCommand(true),
  pttl: ttlCommand(false),
  keys: {
    arity: 2,
    run: ([pattern = ''], ctx) =>
      bulkArray([...ctx.db.entries()].map((e) => e.key).filter((key) => globMatch(pattern, key))),
  },
  scan: { arity: -2, run: scan },
  dbsize: { arity: 1, run: (_args, ctx) => integer(ctx.db.size()) },
};
