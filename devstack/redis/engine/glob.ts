/** Redis' stringmatchlen: *, ?, [set], [^set], [a-z] and backslash escapes. */
export function globMatch(pattern: string, text: string): boolean {
  return matchFrom(pattern, 0, text, 0);
}

function matchFrom(pattern: string, p: number, text: string, t: number): boolean {
  while (p < pattern.length) {
    const char = pattern[p];
    if (char === '*') {
      while (pattern[p + 1] === '*') p += 1;
      if (p + 1 === pattern.length) return true;
      for (let i = t; i <= text.length; i++) if (matchFrom(pattern, p + 1, text, i)) return true;
      return false;
    }
    if (t >= text.length) return false;
    if (char === '?') {
      p += 1;
      t += 1;
      continue;
    }
    if (char === '[') {
      const end = matchClass(pattern, p + 1, text[t] ?? '');
      if (end.matched === false) return false;
      p = end.next;
      t += 1;
      continue;
    }
    const literal = char === '\\' && p + 1 < pattern.length ? pattern[++p] : char;
    if (literal !== text[t]) return false;
    p += 1;
    t += 1;
  }
  return t === text.length;
}

function matchClass(pattern: string, start: number, c: string): { matched: boolean; next: number } {
  let p = start;
  const negate = pattern[p] === '^';
  if (negate) p += 1;
  let matched = false;
  for (;;) {
    const char = pattern[p];
    if (char === undefined) {
      // An unterminated class: Redis treats the end of the pattern as the closing bracket.
      p -= 1;
      break;
    }
    if (char === ']') break;
    if (char === '\\' && p + 1 < pattern.length) {
      p += 1;
      if (pattern[p] === c) matched = true;
    } else if (pattern[p + 1] === '-' && p + 2 < pattern.length) {
      let low = char;
      let high = pattern[p + 2] ?? '';
      if (low > high) [low, high] = [high, low];
      p += 2;
      if (c >= low && c <= high) matched = true;
    } else if (char === c) matched = true;
    p += 1;
  }
  return { matched: negate ? !matched : matched, next: p + 1 };
}
