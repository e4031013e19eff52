import { EdgeMeshError } from '../../errors/edgemesh-error.ts';
import { fromBase64, toBase64 } from './base64.ts';

/** Where and how to reach etcd's HTTP/JSON gateway (etcd ≥ 3.4 serves it under `/v3/`). */
export interface EtcdGatewayOptions {
  /** The client URL, e.g. `http://127.0.0.1:2379`. */
  url: string;
  /** The platform's fetch. Default the global one. */
  fetch?: typeof fetch;
  /** Extra headers on every request, e.g. an `Authorization` token from `/v3/auth/authenticate`. */
  headers?: Record<string, string>;
}

/** One key as etcd returns it; revisions are etcd's cluster-wide ones. */
export interface EtcdKeyValue {
  readonly key: string;
  /** "" for a `keys_only` read. */
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  /** Writes since the key was created: 1 after the first put; 0 after a delete. */
  readonly version: number;
}

/** A range read: one key, or [key, rangeEnd) when `rangeEnd`/`rangeEndBase64` is given. */
export interface EtcdRange {
  key: string;
  rangeEnd?: string;
  /** A raw `range_end` (already base64), e.g. from `prefixEndBase64`. */
  rangeEndBase64?: string;
  limit?: number;
  keysOnly?: boolean;
  sortOrder?: 'ASCEND' | 'DESCEND';
  sortTarget?: 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
}

/** One comparison of a transaction; a missing key compares as revision/version 0. */
export type EtcdCompare =
  | { key: string; target: 'MOD'; result: 'EQUAL' | 'GREATER' | 'LESS'; modRevision: number }
  | { key: string; target: 'CREATE'; result: 'EQUAL' | 'GREATER' | 'LESS'; createRevision: number }
  | { key: string; target: 'VERSION'; result: 'EQUAL' | 'GREATER' | 'LESS'; version: number };

/** One operation of a transaction branch. */
export type EtcdOperation = { put: { key: string; value: string } } | { range: EtcdRange };

/** The outcome of a transaction: which branch ran, and the keys each range of it read. */
export interface EtcdTxnResult {
  readonly succeeded: boolean;
  /** The cluster revision after the transaction. */
  readonly revision: number;
  /** Per operation of the branch that ran: the keys a range read, [] for a put. */
  readonly ranges: readonly (readonly EtcdKeyValue[])[];
}

interface RawKeyValue {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
}

interface RawHeader {
  revision?: string;
}

/** etcd's gateway writes int64 as strings and omits zero values. */
const int = (text: string | undefined) => Number(text ?? 0);

/** A kv of the gateway's JSON as an EtcdKeyValue. */
export function parseKeyValue(raw: RawKeyValue): EtcdKeyValue {
  return {
    key: fromBase64(raw.key),
    value: fromBase64(raw.value),
    createRevision: int(raw.create_revision),
    modRevision: int(raw.mod_revision),
    version: int(raw.version),
  };
}

function rangeBody(range: EtcdRange): Record<string, unknown> {
  return {
    key: toBase64(range.key),
    ...(range.rangeEndBase64 !== undefined
      ? { range_end: range.rangeEndBase64 }
      : range.rangeEnd !== undefined
        ? { range_end: toBase64(range.rangeEnd) }
        : {}),
    ...(range.limit !== undefined ? { limit: String(range.limit) } : {}),
    ...(range.keysOnly ? { keys_only: true } : {}),
    ...(range.sortOrder ? { sort_order: range.sortOrder } : {}),
    ...(range.sortTarget ? { sort_target: range.sortTarget } : {}),
  };
}

function compareBody(compare: EtcdCompare): Record<string, unknown> {
  const base = { key: toBase64(compare.key), target: compare.target, result: compare.result };
  if (compare.target === 'MOD') return { ...base, mod_revision: String(compare.modRevision) };
  if (compare.target === 'CREATE') {
    return { ...base, create_revision: String(compare.createRevision) };
  }
  return { ...base, version: String(compare.version) };
}

function operationBody(operation: EtcdOperation): Record<string, unknown> {
  if ('put' in operation) {
    return {
      request_put: { key: toBase64(operation.put.key), value: toBase64(operation.put.value) },
    };
  }
  return { request_range: rangeBody(operation.range) };
}

/** A thin client of etcd's v3 HTTP/JSON gateway over `fetch`: range, put, txn and watch. */
export interface EtcdGateway {
  readonly url: string;
  range(range: EtcdRange, signal?: AbortSignal): Promise<{ revision: number; kvs: EtcdKeyValue[] }>;
  txn(
    request: { compare: EtcdCompare[]; success: EtcdOperation[]; failure?: EtcdOperation[] },
    signal?: AbortSignal,
  ): Promise<EtcdTxnResult>;
  /** Opens `/v3/watch` for [key, rangeEnd) from `startRevision`: a stream of JSON lines. */
  openWatch(
    watch: { key: string; rangeEndBase64?: string; startRevision: number },
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>>;
}

/** Creates a client of etcd's HTTP/JSON gateway; failures are UPSTREAM errors naming the call. */
export function createEtcdGateway({
  url,
  fetch: fetchImpl = (input, init) => fetch(input, init),
  headers = {},
}: EtcdGatewayOptions): EtcdGateway {
  const base = url.replace(/\/+$/, '');

  async function post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await fetchImpl(`${base}/v3/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      signal?.throwIfAborted();
      throw new EdgeMeshError('UPSTREAM', `etcd ${base}: ${path} failed (${String(error)})`, {
        cause: error,
      });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string; error?: string }).message ?? text;
      } catch {
        // Not JSON: keep the text.
      }
      throw new EdgeMeshError(
        'UPSTREAM',
        `etcd ${base}: ${path} answered ${response.status} ${message.slice(0, 200)}`,
      );
    }
    return response;
  }

  async function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return (await (await post(path, body, signal)).json()) as T;
  }

  return {
    url: base,
    async range(range, signal) {
      const reply = await postJson<{ header?: RawHeader; kvs?: RawKeyValue[] }>(
        'kv/range',
        rangeBody(range),
        signal,
      );
      return { revision: int(reply.header?.revision), kvs: (reply.kvs ?? []).map(parseKeyValue) };
    },
    async txn({ compare, success, failure = [] }, signal) {
      const reply = await postJson<{
        header?: RawHeader;
        succeeded?: boolean;
        responses?: Array<{ response_range?: { kvs?: RawKeyValue[] } }>;
      }>(
        'kv/txn',
        {
          compare: compare.map(compareBody),
          success: success.map(operationBody),
          failure: failure.map(operationBody),
        },
        signal,
      );
      return {
        succeeded: reply.succeeded === true,
        revision: int(reply.header?.revision),
        ranges: (reply.responses ?? []).map((r) =>
          (r.response_range?.kvs ?? []).map(parseKeyValue),
        ),
      };
    },
    async openWatch({ key, rangeEndBase64, startRevision }, signal) {
      const response = await post(
        'watch',
        {
          create_request: {
            key: toBase64(key),
            ...(rangeEndBase64 ? { range_end: rangeEndBase64 } : {}),
            start_revision: String(startRevision),
          },
        },
        signal,
      );
      if (!response.body) throw new EdgeMeshError('UPSTREAM', `etcd ${base}: watch has no body`);
      return response.body;
    },
  };
}
