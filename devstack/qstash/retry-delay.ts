import { badInput } from './input-error.ts';

type Token =
  | { kind: 'number'; value: number }
  | { kind: 'name'; value: string }
  | { kind: 'op'; value: string };

const functions: Record<string, (...args: number[]) => number> = {
  pow: (a = Number.NaN, b = Number.NaN) => a ** b,
  exp: (a = Number.NaN) => Math.exp(a),
  sqrt: (a = Number.NaN) => Math.sqrt(a),
  abs: (a = Number.NaN) => Math.abs(a),
  floor: (a = Number.NaN) => Math.floor(a),
  ceil: (a = Number.NaN) => Math.ceil(a),
  round: (a = Number.NaN) => Math.round(a),
  min: (...args) => Math.min(...args),
  max: (...args) => Math.max(...args),
};

const arity: Record<string, [number, number]> = {
  pow: [2, 2],
  exp: [1, 1],
  sqrt: [1, 1],
  abs: [1, 1],
  floor: [1, 1],
  ceil: [1, 1],
  round: [1, 1],
  min: [1, 16],
  max: [1, 16],
};

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_]\w*)|(\*\*|[-+*/%(),^]))/y;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(source);
    if (!match) throw new Error(`unexpected "${source.slice(at).trim()[0]}"`);
    at = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'number', value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: 'name', value: match[2] });
    else tokens.push({ kind: 'op', value: match[3]! });
  }
  return tokens;
}

type Node = (retried: number) => number;

/** Recursive descent over + - * / % and function calls; `retried` is the only variable. */
function parse(tokens: Token[]): Node {
  let at = 0;
  const peek = () => tokens[at];
  const isOp = (value: string) => {
    const token = peek();
    return token?.kind === 'op' && token.value === value;
  };
  const expect = (value: string) => {
    if (!isOp(value)) throw new Error(`expected "${value}"`);
    at += 1;
  };

  const primary = (): Node => {
    const token = peek();
    if (!token) throw new Error('unexpected end');
    at += 1;
    if (token.kind === 'number') return () => token.value;
    if (token.kind === 'op') {
      if (token.value === '(') {
        const inner = sum();
        expect(')');
        return inner;
      }
      if (token.value === '-') {
        const inner = primary();
        return (r) => -inner(r);
      }
      throw new Error(`unexpected "${token.value}"`);
    }
    if (token.value === 'retried') return (r) => r;
    const fn = functions[token.value];
    const [least, most] = arity[token.value] ?? [0, 0];
    if (!fn) throw new Error(`unknown name "${token.value}"`);
    expect('(');
    const args: Node[] = [sum()];
    while (isOp(',')) {
      at += 1;
      args.push(sum());
    }
    expect(')');
    if (args.length < least || args.length > most)
      throw new Error(
        `${token.value}() takes ${least === most ? least : `${least}-${most}`} arguments`,
      );
    return (r) => fn(...args.map((arg) => arg(r)));
  };
  const product = (): Node => {
    let left = primary();
    while (isOp('*') || isOp('/') || isOp('%')) {
      const op = peek()!.value;
      at += 1;
      const right = primary();
      const l = left;
      left =
        op === '*'
          ? (r) => l(r) * right(r)
          : op === '/'
            ? (r) => l(r) / right(r)
            : (r) => l(r) % right(r);
    }
    return left;
  };
  const sum = (): Node => {
    let left = product();
    while (isOp('+') || isOp('-')) {
      const op = peek()!.value;
      at += 1;
      const right = product();
      const l = left;
      left = op === '+' ? (r) => l(r) + right(r) : (r) => l(r) - right(r);
    }
    return left;
  };
  const root = sum();
  if (at !== tokens.length) throw new Error(`unexpected "${String(peek()?.value)}"`);
  return root;
}

/** A compiled Upstash-Retry-Delay expression: milliseconds to wait given `retried` (from 0). */
export type RetryDelay = (retried: number) => number;

/**
 * Compiles `1000 * pow(2, retried)` and friends (pow, exp, sqrt, abs, floor, ceil, round, min,
 * max); throws a 400 naming the problem for anything else.
 */
export function compileRetryDelay(expression: string): RetryDelay {
  if (expression.length > 500)
    throw badInput('invalid Upstash-Retry-Delay: longer than 500 characters');
  let node: Node;
  try {
    node = parse(tokenize(expression));
  } catch (error) {
    throw badInput(`invalid Upstash-Retry-Delay "${expression}": ${(error as Error).message}`);
  }
  const first = node(0);
  if (!Number.isFinite(first) || first < 0) {
    throw badInput(
      `invalid Upstash-Retry-Delay "${expression}": must give a finite, non-negative number of milliseconds`,
    );
  }
  return (retried) => {
    const value = node(retried);
    return Number.isFinite(value) && value >= 0 ? value : 0;
  };
}
