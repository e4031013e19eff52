import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PoolClient, QueryArrayConfig } from 'pg';
import { EdgeMeshError, errorStatus, isEdgeMeshError } from '../../shared/errors/index.ts';
import { parseConnectionString, type HostPolicy, type PgTarget } from './connection-target.ts';
import { errorText, isPostgresError, toNeonError, type NeonErrorBody } from './pg-error.ts';
import type { PoolRegistry } from './pool-registry.ts';
import { beginStatement, parseSqlRequest, type SqlQuery, type SqlRequest } from './sql-request.ts';
import { isStaleStatementError, type StatementCache } from './statement-cache.ts';
import { rawTextTypes, toNeonResult, type NeonQueryResult } from './text-rows.ts';

export interface SqlOverHttpOptions {
  pools: PoolRegistry;
  isAllowedHost: HostPolicy;
  /** Names statements so pooled connections prepare them once; absent = every statement unnamed. */
  statements?: StatementCache | undefined;
  /** Largest accepted body, in bytes; default 10 MiB. */
  maxBodyBytes?: number;
}

/** Response headers every `/sql` answer carries, including the CORS preflight. */
export const corsHeaders = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers':
    'authorization, content-type, neon-connection-string, neon-raw-text-output, neon-array-mode, ' +
    'neon-pool-opt-in, neon-batch-isolation-level, neon-batch-read-only, neon-batch-deferrable',
  'access-control-max-age': '86400',
};

// Every answer's headers as one flat list, built once; each response adds its request id.
const answerHeaders = Object.entries({ 'content-type': 'application/json', ...corsHeaders }).flat();

/** Connection strings already parsed and checked, so a request does not parse its URL again. */
const maxCachedTargets = 64;

class QueryFailed extends Error {
  override name = 'QueryFailed';
  constructor(readonly body: NeonErrorBody) {
    super(body.message);
  }

  /** The server ended the session with this error (FATAL or PANIC). */
  get fatal(): boolean {
    return this.body.severity === 'FATAL' || this.body.severity === 'PANIC';
  }
}

/** A named statement failed where the same text unnamed would not; the request runs again. */
class StaleStatement extends Error {
  override name = 'StaleStatement';
  constructor(
    readonly code: string | undefined,
    options: ErrorOptions,
  ) {
    super('prepared statement unusable', options);
  }
}

/** Handles `POST /sql` the way Neon's SQL-over-HTTP does, against any reachable Postgres. */
export function createSqlOverHttpHandler({
  pools,
  isAllowedHost,
  statements,
  maxBodyBytes = 10 * 1024 * 1024,
}: SqlOverHttpOptions) {
  const targets = new Map<string, PgTarget>();
  const targetOf = (connectionString: string | undefined): PgTarget => {
    const known = connectionString === undefined ? undefined : targets.get(connectionString);
    if (known) return known;
    const target = parseConnectionString(connectionString);
    if (!isAllowedHost(target.host)) {
      throw new EdgeMeshError('FORBIDDEN', `connections to ${target.host} are not allowed`);
    }
    if (targets.size >= maxCachedTargets) targets.clear();
    targets.set(connectionString!, target);
    return target;
  };
  return async function handleSql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const body = await readBody(req, maxBodyBytes);
      const connectionString = header('neon-connection-string');
      const target = targetOf(connectionString);
      const request = parseSqlRequest(body, header);
      const key = connectionString ?? '';
      let result: Awaited<ReturnType<typeof run>>;
      try {
        result = await runPooled(pools, key, target, request, statements);
      } catch (error) {
        if (!(error instanceof StaleStatement)) throw error;
        // Nothing was committed: the failed statement ended its transaction. Its connection is
        // gone, and with it every statement it had prepared; run the request again unnamed.
        if (error.code === '42P05') statements?.disable();
        result = await runPooled(pools, key, target, request, undefined);
      }
      send(res, 200, result);
    } catch (error) {
      sendError(res, error);
    }
  };
}

async function runPooled(
  pools: PoolRegistry,
  key: string,
  target: PgTarget,
  request: SqlRequest,
  statements: StatementCache | undefined,
): Promise<NeonQueryResult | { results: NeonQueryResult[] }> {
  const client = await connect(pools, key, target);
  let broken: Error | undefined;
  try {
    return await run(client, request, statements);
  } catch (error) {
    // A FATAL error (57P01 on a server restart) ends the session: the connection is gone.
    if (!(error instanceof QueryFailed) || error.fatal) broken = asError(error);
    throw error;
  } finally {
    client.release(broken);
  }
}

async function connect(pools: PoolRegistry, key: string, target: PgTarget) {
  try {
    return await pools.pool(key, target).connect();
  } catch (error) {
    // The server answered but refused the session, e.g. 57P03 while it starts up or shuts
    // down: Neon passes such errors on with their SQLSTATE, so the driver's error has the code.
    if (isPostgresError(error)) throw new QueryFailed(toNeonError(error));
    throw new EdgeMeshError(
      'UPSTREAM',
      `cannot connect to Postgres at ${target.host}:${target.port}: ${errorText(error)}`,
      { cause: error },
    );
  }
}

async function run(
  client: PoolClient,
  request: SqlRequest,
  statements: StatementCache | undefined,
): Promise<NeonQueryResult | { results: NeonQueryResult[] }> {
  if (request.kind === 'single') return query(client, request.query, statements);
  await query(client, { text: beginStatement(request.mode), params: [], arrayMode: true });
  const results: NeonQueryResult[] = [];
  try {
    for (const item of request.queries) results.push(await query(client, item, statements));
    await query(client, { text: 'COMMIT', params: [], arrayMode: true });
  } catch (error) {
    // After a failed COMMIT the transaction is already gone; ROLLBACK then only warns.
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  return { results };
}

async function query(
  client: PoolClient,
  { text, params, arrayMode }: SqlQuery,
  statements?: StatementCache,
) {
  // Extended protocol even without params, as Neon does: one statement per query, and
  // several statements in one string fail instead of returning only the last result.
  const name = statements?.nameFor(client, text);
  const config: QueryArrayConfig & { queryMode: 'extended' } = {
    text,
    values: [...params],
    rowMode: 'array',
    types: rawTextTypes,
    queryMode: 'extended',
    ...(name === undefined ? {} : { name }),
  };
  try {
    return toNeonResult(await client.query(config), arrayMode);
  } catch (error) {
    if (!isPostgresError(error)) throw error;
    if (name !== undefined && isStaleStatementError(error)) {
      throw new StaleStatement(error.code, { cause: error });
    }
    throw new QueryFailed(toNeonError(error));
  }
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new EdgeMeshError('PAYLOAD_TOO_LARGE', `request body exceeds ${maxBytes} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof QueryFailed) return send(res, 400, error.body);
  if (isEdgeMeshError(error)) return send(res, error.status, { message: error.message });
  send(res, errorStatus.UPSTREAM, { message: `Postgres connection failed: ${errorText(error)}` });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, [...answerHeaders, 'neon-request-id', randomUUID()]);
  res.end(JSON.stringify(body));
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
