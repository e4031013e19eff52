const cacheLimit = 512;

/** 53-bit string hash (cyrb53): two 32-bit FNV-like lanes, mixed. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Names prepared statements by their text, so each connection parses and plans a statement once
 * and then only binds and executes it. The store's statements come from a bounded set of shapes
 * (values are always parameters), so the cache stays small; it is cleared if it ever fills.
 */
export function statementNamer(): (text: string) => string {
  const names = new Map<string, string>();
  return function nameOf(text) {
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= cacheLimit) names.clear();
      name = `edgemesh_${hash53(text).toString(36)}`;
      names.set(text, name);
    }
    return name;
  };
}

/**
 * Errors a named statement can meet and the same text unnamed would not: the session lost it
 * (`DEALLOCATE`, `DISCARD ALL`, a pooler that moved the session: 26000), already has it (one
 * session shared by several connections, as PGlite does: 42P05), or a migration outdated its plan
 * (0A000, cached plan must not change result type). The statement did not run; unnamed, it can.
 */
export function isStaleStatementError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === '26000' ||
    code === '42P05' ||
    (code === '0A000' && typeof message === 'string' && /cached plan/i.test(message))
  );
}
