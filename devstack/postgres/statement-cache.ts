import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';

/** Names a `/sql` statement so a pooled connection parses it once and then only binds it. */
export interface StatementCache {
  /** The prepared-statement name for `text` on `client`, or undefined to run it unnamed. */
  nameFor(client: PoolClient, text: string): string | undefined;
  /** Stops naming statements, e.g. when the server is one session shared by every connection. */
  disable(): void;
}

export interface StatementCacheOptions {
  /** Statements one connection keeps prepared; later new texts run unnamed. Default 256. */
  perConnection?: number;
  /** Texts whose names are remembered; the map is cleared when it fills. Default 1024. */
  names?: number;
}

/**
 * Names statements by a hash of their text (the same text always gets the same name, so a
 * connection that prepared it reuses it). A connection prepares at most `perConnection`
 * statements, so texts with inlined values cannot grow a server session without bound.
 */
export function createStatementCache({
  perConnection = 256,
  names = 1024,
}: StatementCacheOptions = {}): StatementCache {
  const byText = new Map<string, string>();
  const prepared = new WeakMap<PoolClient, Set<string>>();
  let enabled = true;
  return {
    nameFor(client, text) {
      if (!enabled) return undefined;
      let name = byText.get(text);
      if (name === undefined) {
        if (byText.size >= names) byText.clear();
        name = `neon_${createHash('sha1').update(text).digest('base64url')}`;
        byText.set(text, name);
      }
      let mine = prepared.get(client);
      if (!mine) {
        mine = new Set();
        prepared.set(client, mine);
      }
      if (!mine.has(name)) {
        if (mine.size >= perConnection) return undefined;
        mine.add(name);
      }
      return name;
    },
    disable() {
      enabled = false;
    },
  };
}

/**
 * Errors that a named statement can meet and the same text unnamed would not: the session lost
 * it (`DEALLOCATE`, `DISCARD ALL`: 26000), already has it (a server that shares one session
 * between connections, as PGlite does: 42P05), or its cached plan no longer fits the table
 * (0A000 after a column change under `select *`).
 */
export function isStaleStatementError(error: { code?: string; message?: string }): boolean {
  return (
    error.code === '26000' ||
    error.code === '42P05' ||
    (error.code === '0A000' && /cached plan/i.test(error.message ?? ''))
  );
}
