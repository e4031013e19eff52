/**
 * Rewrites the integer literals of a Lua script as float literals ("1000" → "1000.0",
 * "0xff" → "255.0"), leaving strings, comments and names alone.
 *
 * Redis runs Lua 5.1, where every number is a double. fengari is Lua 5.3 with 32-bit
 * integers, so `86400000 * 30` would wrap to a negative number, and the compiler folds such
 * constants before anything else could intervene. With float literals (and tonumber and
 * reply integers turned into floats) the arithmetic of a script is double arithmetic again;
 * integral floats still index tables, count loops and print ("%.14g") as integers do.
 */
export function floatLiterals(source: string): string {
  let out = '';
  let copiedTo = 0;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i] ?? '';
    if (c === '-' && source[i + 1] === '-') {
      i = skipComment(source, i + 2);
    } else if (c === '"' || c === "'") {
      i = skipShortString(source, i);
    } else if (c === '[' && longBracketLevel(source, i) >= 0) {
      i = skipLongBracket(source, i);
    } else if (isNameStart(c)) {
      i += 1;
      while (i < n && isNameChar(source[i] ?? '')) i += 1;
    } else if (isDigit(c) || (c === '.' && isDigit(source[i + 1] ?? ''))) {
      const end = numeralEnd(source, i);
      const replacement = asFloat(source.slice(i, end));
      if (replacement !== null) {
        out += source.slice(copiedTo, i) + replacement;
        copiedTo = end;
      }
      i = end;
    } else i += 1;
  }
  return out + source.slice(copiedTo);
}

const isDigit = (c: string) => c >= '0' && c <= '9';
const isHexDigit = (c: string) => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
const isNameStart = (c: string) => c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isNameChar = (c: string) => isNameStart(c) || isDigit(c);

/** Where Lua 5.3's read_numeral stops: hex digits, dots, and an exponent with its sign. */
function numeralEnd(source: string, start: number): number {
  const hex = source[start] === '0' && /[xX]/.test(source[start + 1] ?? '');
  const exponent = hex ? /[pP]/ : /[eE]/;
  let i = hex ? start + 2 : start + 1;
  for (;;) {
    const c = source[i] ?? '';
    if (exponent.test(c)) {
      i += 1;
      if (source[i] === '+' || source[i] === '-') i += 1;
    } else if (isHexDigit(c) || c === '.') i += 1;
    else return i;
  }
}

/** The float spelling of an integer literal, or null when it already is a float (or malformed). */
function asFloat(numeral: string): string | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(numeral)) {
    const text = String(Number(BigInt(numeral)));
    return /[.e]/.test(text) ? text : `${text}.0`;
  }
  return /^[0-9]+$/.test(numeral) ? `${numeral}.0` : null;
}

/** For "[==[" at start, the number of '='; -1 when it does not open a long bracket. */
function longBracketLevel(source: string, start: number): number {
  let i = start + 1;
  while (source[i] === '=') i += 1;
  return source[i] === '[' ? i - start - 1 : -1;
}

function skipLongBracket(source: string, start: number): number {
  const level = longBracketLevel(source, start);
  const close = `]${'='.repeat(level)}]`;
  const end = source.indexOf(close, start + level + 2);
  return end < 0 ? source.length : end + close.length;
}

function skipComment(source: string, afterDashes: number): number {
  if (source[afterDashes] === '[' && longBracketLevel(source, afterDashes) >= 0) {
    return skipLongBracket(source, afterDashes);
  }
  let i = afterDashes;
  while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i += 1;
  return i;
}

function skipShortString(source: string, start: number): number {
  const quote = source[start];
  let i = start + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') i += 2;
    else if (c === quote || c === '\n' || c === '\r') return i + 1;
    else i += 1;
  }
  return i;
}
