import type { Reply } from '../reply.ts';
import type { Keyspace } from './keyspace.ts';
import type { Scripting } from './scripting.ts';

export interface CommandContext {
  readonly db: Keyspace;
  /** Unix ms from the engine's clock. */
  readonly now: () => number;
  /** Drops every key (FLUSHDB/FLUSHALL). */
  readonly flush: () => void;
  /** EVAL, EVALSHA and the script cache. */
  readonly scripting: Scripting;
}

export interface CommandSpec {
  /** Redis arity: n means exactly n words including the name, -n at least n. */
  readonly arity: number;
  /** Redis' "write" (or "may-replicate") flag: refused in read-only scripts. */
  readonly write?: boolean;
  /** Redis' "noscript" flag: refused inside scripts. */
  readonly noscript?: boolean;
  /** args excludes the command name. */
  readonly run: (args: readonly string[], ctx: CommandContext) => Reply;
}

export type CommandTable = Readonly<Record<string, CommandSpec>>;

export const arg = (args: readonly string[], index: number): string => args[index] ?? '';
