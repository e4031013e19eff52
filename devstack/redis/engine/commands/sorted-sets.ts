import { array, bulk, EMPTY_ARRAY, integer, NIL, type Reply } from '../../reply.ts';
import { arg, type CommandContext, type CommandTable } from '../command.ts';
import { fail, SYNTAX } from '../errors.ts';
import { formatDouble, requireDouble, requireInteger, strtod } from '../numbers.ts';
import type { SortedSet } from '../sorted-set.ts';

const NAN_SCORE = 'ERR resulting score is not a number (NaN)';
const BAD_RANGE = 'ERR min or max is not a float';

const readZset = (ctx: CommandContext, key: string) => ctx.db.getAs(key, 'zset')?.data;

interface ScoreBound {
  readonly value: number;
  readonly exclusive: boolean;
}

/** zslParseRange: "(" marks an exclusive bound; plain strtod, so "" and "(" mean 0. */
function parseBound(text: string): ScoreBound | null {
  const exclusive = text.startsWith('(');
  const number = (exclusive ? text.slice(1) : text).replace(/^\s+/, '');
  if (number === '') return /^\(?$/.test(text) ? { value: 0, exclusive } : null;
  const value = strtod(number);
  return value === null || Number.isNaN(value) ? null : { value, exclusive };
}

function parseScoreRange(minText: string, maxText: string) {
  const min = parseBound(minText);
  const max = parseBound(maxText);
  if (!min || !max) fail(BAD_RANGE);
  return { min, max };
}

const aboveMin = (score: number, min: ScoreBound) =>
  min.exclusive ? score > min.value : score >= min.value;
const belowMax = (score: number, max: ScoreBound) =>
  max.exclusive ? score < max.value : score <= max.value;

function inScoreRange(zset: SortedSet, min: ScoreBound, max: ScoreBound) {
  return zset.ordered().filter(([, score]) => aboveMin(score, min) && belowMax(score, max));
}

interface AddOptions {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
  ch: boolean;
  incr: boolean;
}

/** ZADD and ZINCRBY, following zaddGenericCommand's order of checks. */
function zadd(key: string, options: AddOptions, pairs: readonly string[], ctx: CommandContext) {
  if (pairs.length === 0 || pairs.length % 2 !== 0) fail(SYNTAX);
  const { nx, xx, gt, lt, ch, incr } = options;
  if (nx && xx) fail('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    fail('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && pairs.length > 2) fail('ERR INCR option supports a single increment-element pair');
  const scores = pairs.filter((_, i) => i % 2 === 0).map((text) => requireDouble(text));
  const existing = readZset(ctx, key);
  if (!existing && xx) return incr ? NIL : integer(0);
  const zset = existing ?? ctx.db.getOrCreate(key, 'zset').data;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let result = 0;
  scores.forEach((given, i) => {
    const member = arg(pairs, i * 2 + 1);
    const current = zset.scores.get(member);
    if (current === undefined) {
      if (xx) return;
      zset.set(member, given);
      added += 1;
      processed += 1;
      result = given;
      return;
    }
    if (nx) return;
    const score = incr ? current + given : given;
    if (Number.isNaN(score)) fail(NAN_SCORE);
    if ((lt && score >= current) || (gt && score <= current)) return;
    processed += 1;
    result = score;
    if (score !== current) {
      zset.set(member, score);
      updated += 1;
    }
  });
  if (incr) return processed ? bulk(formatDouble(result)) : NIL;
  return integer(ch ? added + updated : added);
}

type Direction = 'forward' | 'reverse';
type RangeType = 'rank' | 'score' | 'lex';

interface RangeRequest {
  key: string;
  from: string;
  to: string;
  options: readonly string[];
  direction: Direction | null;
  type: RangeType | null;
}

/** zrangeGenericCommand: ZRANGE with all its options, and the legacy range commands. */
function zrange(request: RangeRequest, ctx: CommandContext): Reply {
  let { direction, type } = request;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  const { options } = request;
  for (let i = 0; i < options.length; i++) {
    const word = arg(options, i).toLowerCase();
    const left = options.length - i - 1;
    if (word === 'withscores') withScores = true;
    else if (word === 'limit' && left >= 2) {
      offset = requireInteger(arg(options, i + 1));
      limit = requireInteger(arg(options, i + 2));
      i += 2;
    } else if (direction === null && word === 'rev') direction = 'reverse';
    else if (type === null && word === 'bylex') type = 'lex';
    else if (type === null && word === 'byscore') type = 'score';
    else fail(SYNTAX);
  }
  direction ??= 'forward';
  type ??= 'rank';
  if (limit !== -1 && type === 'rank') {
    fail('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (withScores && type === 'lex') {
    fail('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  if (type === 'lex') fail('ERR BYLEX is not supported by the embedded engine');
  const reverse = direction === 'reverse';
  const [minText, maxText] =
    reverse && type === 'score' ? [request.to, request.from] : [request.from, request.to];
  let picked: (readonly [string, number])[];
  if (type === 'rank') {
    const start = requireInteger(minText);
    const stop = requireInteger(maxText);
    const zset = readZset(ctx, request.key);
    if (!zset) return EMPTY_ARRAY;
    const ordered = reverse ? [...zset.ordered()].reverse() : zset.ordered();
    const length = ordered.length;
    let from = start < 0 ? length + start : start;
    let to = stop < 0 ? length + stop : stop;
    if (from < 0) from = 0;
    if (from > to || from >= length) return EMPTY_ARRAY;
    if (to >= length) to = length - 1;
    picked = ordered.slice(from, to + 1);
  } else {
    const { min, max } = parseScoreRange(minText, maxText);
    const zset = readZset(ctx, request.key);
    if (!zset) return EMPTY_ARRAY;
    const matching = inScoreRange(zset, min, max);
    if (reverse) matching.reverse();
    if (offset < 0) return EMPTY_ARRAY;
    picked = matching.slice(offset, limit < 0 ? undefined : offset + limit);
  }
  return array(
    picked.flatMap(([member, score]) =>
      withScores ? [bulk(member), bulk(formatDouble(score))] : [bulk(member)],
    ),
  );
}

function parseAddOptions(words: readonly string[]): { options: AddOptions; rest: string[] } {
  const options: AddOptions = {
    nx: false,
    xx: false,
    gt: false,
    lt: false,
    ch: false,
    incr: false,
  };
  let i = 0;
  for (; i < words.length; i++) {
    const word = arg(words, i).toLowerCase();
    if (word === 'nx' || word === 'xx' || word === 'gt' || word === 'lt' || word === 'ch') {
      options[word] = true;
    } else if (word === 'incr') options.incr = true;
    else break;
  }
  return { options, rest: words.slice(i) };
}

const rangeCommand = (direction: Direction | null, type: RangeType | null) => ({
  arity: -4,
  run: ([key = '', from = '', to = '', ...options]: readonly string[], ctx: CommandContext) =>
    zrange({ key, from, to, options, direction, type }, ctx),
});

export const sortedSetCommands: CommandTable = {
  zadd: {
    arity: -4,
    write: true,
    run: ([key = '', ...words], ctx) => {
      const { options, rest } = parseAddOptions(words);
      return zadd(key, options, rest, ctx);
    },
  },
  zincrby: {
    arity: 4,
    write: true,
    run: ([key = '', by = '', member = ''], ctx) =>
      zadd(
        key,
        { nx: false, xx: false, gt: false, lt: false, ch: false, incr: true },
        [by, member],
        ctx,
      ),
  },
  zscore: {
    arity: 3,
    run: ([key = '', member = ''], ctx) => {
      const score = readZset(ctx, key)?.scores.get(member);
      return score === undefined ? NIL : bulk(formatDouble(score));
    },
  },
  zmscore: {
    arity: -3,
    run: ([key = '', ...members], ctx) => {
      const zset = readZset(ctx, key);
      return array(
        members.map((member) => {
          const score = zset?.scores.get(member);
          return score === undefined ? NIL : bulk(formatDouble(score));
        }),
      );
    },
  },
  zcard: { arity: 2, run: ([key = ''], ctx) => integer(readZset(ctx, key)?.size ?? 0) },
  zrem: {
    arity: -3,
    write: true,
    run: ([key = '', ...members], ctx) => {
      const zset = readZset(ctx, key);
      if (!zset) return integer(0);
      ctx.db.touch(key);
      return integer(members.filter((member) => zset.delete(member)).length);
    },
  },
  zrank: {
    arity: 3,
    run: ([key = '', member = ''], ctx) => {
      const index =
        readZset(ctx, key)
          ?.ordered()
          .findIndex(([m]) => m === member) ?? -1;
      return index < 0 ? NIL : integer(index);
    },
  },
  zrevrank: {
    arity: 3,
    run: ([key = '', member = ''], ctx) => {
      const zset = readZset(ctx, key);
      const index = zset?.ordered().findIndex(([m]) => m === member) ?? -1;
      return index < 0 || !zset ? NIL : integer(zset.size - 1 - index);
    },
  },
  zcount: {
    arity: 4,
    run: ([key = '', min = '', max = ''], ctx) => {
      const range = parseScoreRange(min, max);
      const zset = readZset(ctx, key);
      return integer(zset ? inScoreRange(zset, range.min, range.max).length : 0);
    },
  },
  zremrangebyscore: {
    arity: 4,
    write: true,
    run: ([key = '', min = '', max = ''], ctx) => {
      const range = parseScoreRange(min, max);
      const zset = readZset(ctx, key);
      if (!zset) return integer(0);
      const doomed = inScoreRange(zset, range.min, range.max);
      for (const [member] of doomed) zset.delete(member);
      ctx.db.touch(key);
      return integer(doomed.length);
    },
  },
  zrange: rangeCommand(null, null),
  zrevrange: rangeCommand('reverse', 'rank'),
  zrangebyscore: rangeCommand('forward', 'score'),
  zrevrangebyscore: rangeCommand('reverse', 'score'),
};
