import {
  batchAppendStatement,
  batchAppendValues,
  batchKeys,
  batchShape,
  shapeKey,
  type AppendItem,
} from './append-batch-statement.ts';
import { appendStatement } from './append-statement.ts';
import { appendBatcher, type AppendBatchingOptions } from './append-batcher.ts';
import type { Row, SqlExecutor } from './sql-executor.ts';
import type { EventStoreTables } from './tables.ts';

/** Sends one append as its share of a group commit; resolves to its result row. */
export type BatchedAppend = (item: AppendItem, signal?: AbortSignal) => Promise<Row | undefined>;

/** Postgres answered the statement with an error: it ran in its own transaction and wrote nothing. */
function isStatementError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Group commit of appends over `db`: concurrent appends go as one statement (its text cached per
 * shape), and each goes alone when that statement fails.
 */
export function batchedAppends(
  db: SqlExecutor,
  t: EventStoreTables,
  options: AppendBatchingOptions,
): BatchedAppend {
  const batchTexts = new Map<string, string>();
  function batchTextFor(items: readonly AppendItem[]): string {
    const shape = batchShape(items);
    const key = shapeKey(shape);
    let text = batchTexts.get(key);
    if (text === undefined) batchTexts.set(key, (text = batchAppendStatement(t, shape)));
    return text;
  }
  async function runBatch(items: AppendItem[]): Promise<PromiseSettledResult<Row | undefined>[]> {
    const alone = async ({ append, options }: AppendItem) => {
      const { text, values } = appendStatement(t, append, options);
      return (await db.query(text, values))[0];
    };
    if (items.length === 1) return Promise.allSettled([alone(items[0]!)]);
    try {
      const rows = await db.query(batchTextFor(items), batchAppendValues(items));
      const byItem = new Map(rows.map((row) => [Number(row.item), row]));
      return items.map((_, index) => ({ status: 'fulfilled', value: byItem.get(index) }));
    } catch (error) {
      if (!isStatementError(error)) throw error;
      // One append's lost race fails the whole statement, which wrote nothing: each goes alone.
      return Promise.allSettled(items.map(alone));
    }
  }
  return appendBatcher(runBatch, batchKeys, options);
}
