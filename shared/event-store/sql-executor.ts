import type { CallOptions } from './event-store.ts';

/** A row as the driver returns it: column name to value. */
export type Row = Record<string, unknown>;

/** Runs one SQL statement (one round trip, its own transaction) and returns its rows. */
export interface SqlExecutor {
  query(text: string, params: readonly unknown[], signal?: AbortSignal): Promise<Row[]>;
}

/** Sends one statement, traced under `summary` (the store operation) when the call carries a tracer. */
export type SendStatement = (
  summary: string,
  text: string,
  values: readonly unknown[],
  call?: CallOptions,
) => Promise<Row[]>;

/** Runs `work` (the statement `text`, or its share of a batch) in a span when there is a tracer. */
export function traced<T>(
  summary: string,
  text: string,
  work: () => Promise<T>,
  trace: CallOptions['trace'],
): Promise<T> {
  return trace ? trace.query(text, work, summary) : work();
}

/** {@link SendStatement} over `db`, passing the call's signal to the executor. */
export function statementSender(db: SqlExecutor): SendStatement {
  return function send(summary, text, values, { signal, trace } = {}) {
    return traced(summary, text, () => db.query(text, values, signal), trace);
  };
}

/** Placeholders numbered in the order values are added. */
export function parameters() {
  const values: unknown[] = [];
  return {
    values,
    add(value: unknown): string {
      values.push(value);
      return `$${values.length}`;
    },
  };
}
