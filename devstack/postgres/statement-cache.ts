import type { PoolClient } from 'pg';
import { isStaleStatementError, statementNamer } from '../../shared/event-store/statement-names.ts';

export { isStaleStatementError };

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
}

/**
 * Names statements by a hash of their text, as the event store's Pool executor does (the same
 * text always gets the same name, so a connection that prepared it reuses it). A connection
 * prepares at most `perConnection` statements, so texts with inlined values cannot grow a server
 * session without bound.
 */
export function createStatementCache({
  perConnection = 256,
}: StatementCacheOptions = {}): StatementCache {
  const nameOf = statementNamer();
  const prepared = new WeakMap<PoolClient, Set<string>>();
  let enabled = true;
  return {
    nameFor(client, text) {
      if (!enabled) return undefined;
      const name = nameOf(text);
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
