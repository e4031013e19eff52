import type { Reply } from '../reply.ts';
import type { Keyspace } from './keyspace.ts';

export interface CommandContext {
  readonly db: Keyspace;
  /** Unix ms from the engine's clock. */
  readonly now: () => number;
  /** Drops every key (FLUSHDB/FLUSHALL). */
  readonly flush: () => void;
}

export interface CommandSpec {
  /** Redis arity: n means exactly n words including the name, -n at least n. */
  readonly arity: number;
  /** args excludes the command name. */
  readonly run: (args: readonly string[], ctx: CommandContext) => Reply;
}

export type CommandTable = Readonly<Record<string, CommandSpec>>;

export const arg = (args: readonly string[], index: number): string => args[index] ?? '';
