import { EdgeMeshError } from '../../shared/errors/index.ts';

/** The isolation levels the driver sends in `Neon-Batch-Isolation-Level`. */
export type IsolationLevel =
  'ReadUncommitted' | 'ReadCommitted' | 'RepeatableRead' | 'Serializable';

/** One statement of a `/sql` request, with params in Postgres text form. */
export interface SqlQuery {
  readonly text: string;
  readonly params: readonly (string | null)[];
  /** Rows as arrays (true) or as objects keyed by column name. */
  readonly arrayMode: boolean;
}

/** How a batch's BEGIN is spelled. */
export interface TransactionMode {
  readonly isolationLevel?: IsolationLevel;
  readonly readOnly?: boolean;
  readonly deferrable?: boolean;
}

/** A decoded `/sql` request: one statement, or a batch run in one transaction. */
export type SqlRequest =
  | { readonly kind: 'single'; readonly query: SqlQuery }
  | {
      readonly kind: 'batch';
      readonly queries: readonly SqlQuery[];
      readonly mode: TransactionMode;
    };

/** Reads a request header by lower-case name. */
export type HeaderLookup = (name: string) => string | undefined;

const isolationSql: Record<IsolationLevel, string> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
};

/** Decodes the JSON body and the `Neon-*` headers of a `POST /sql`. */
export function parseSqlRequest(body: string, header: HeaderLookup): SqlRequest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw invalid('request body is not valid JSON', error);
  }
  if (!isRecord(json)) throw invalid('request body must be a JSON object');
  const arrayMode = parseBoolean(header('neon-array-mode'), 'Neon-Array-Mode') ?? false;
  if (Array.isArray(json.queries)) {
    return {
      kind: 'batch',
      queries: json.queries.map((item, index) => parseQuery(item, arrayMode, `queries[${index}]`)),
      mode: parseTransactionMode(header),
    };
  }
  return { kind: 'single', query: parseQuery(json, arrayMode, 'body') };
}

/** Reads `Neon-Batch-Isolation-Level`, `Neon-Batch-Read-Only` and `Neon-Batch-Deferrable`. */
export function parseTransactionMode(header: HeaderLookup): TransactionMode {
  const level = header('neon-batch-isolation-level');
  if (level !== undefined && !(level in isolationSql)) {
    throw invalid(
      `Neon-Batch-Isolation-Level must be one of ${Object.keys(isolationSql).join(', ')}`,
    );
  }
  const readOnly = parseBoolean(header('neon-batch-read-only'), 'Neon-Batch-Read-Only');
  const deferrable = parseBoolean(header('neon-batch-deferrable'), 'Neon-Batch-Deferrable');
  return {
    ...(level !== undefined && { isolationLevel: level as IsolationLevel }),
    ...(readOnly !== undefined && { readOnly }),
    ...(deferrable !== undefined && { deferrable }),
  };
}

/** The BEGIN statement that opens a batch, e.g. `BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY`. */
export function beginStatement(mode: TransactionMode): string {
  const parts = ['BEGIN'];
  if (mode.isolationLevel) parts.push(`ISOLATION LEVEL ${isolationSql[mode.isolationLevel]}`);
  if (mode.readOnly !== undefined) parts.push(mode.readOnly ? 'READ ONLY' : 'READ WRITE');
  if (mode.deferrable !== undefined) parts.push(mode.deferrable ? 'DEFERRABLE' : 'NOT DEFERRABLE');
  return parts.join(' ');
}

function parseQuery(value: unknown, arrayMode: boolean, where: string): SqlQuery {
  if (!isRecord(value) || typeof value.query !== 'string') {
    throw invalid(`${where} must be an object with a "query" string`);
  }
  const params = value.params ?? [];
  if (!Array.isArray(params)) throw invalid(`${where}.params must be an array`);
  return {
    text: value.query,
    params: params.map(toParamText),
    arrayMode: typeof value.arrayMode === 'boolean' ? value.arrayMode : arrayMode,
  };
}

// The driver already sends strings or null; other JSON values are accepted the way Neon's proxy
// accepts them, arrays becoming Postgres array literals.
function toParamText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return arrayLiteral(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((value) => {
    if (value === null || value === undefined) return 'NULL';
    if (Array.isArray(value)) return arrayLiteral(value);
    return `"${(toParamText(value) ?? '').replace(/[\\"]/g, '\\$&')}"`;
  });
  return `{${items.join(',')}}`;
}

function parseBoolean(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(`${name} must be true or false`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string, cause?: unknown): EdgeMeshError {
  return new EdgeMeshError('VALIDATION', message, { cause });
}
