// One fuzz input: a request to one route, valid, a mutation of a valid one, or hostile.
import fc from 'fast-check';
import type { z } from 'zod';
import { arbitraryOf, inputJsonSchema } from './json-schema-arbitrary.ts';
import {
  hostileBodies,
  hostileContentTypes,
  hostileHeaders,
  hostileSegments,
  hostileValue,
} from './hostile.ts';
import { pathParams, type FuzzRoute } from './routes.ts';

/**
 * Far past the functions' own URL limit (2,048), yet short of the platforms' (Cloudflare refuses
 * URLs over 16 KB itself, workerd's server answers 431 to long request lines): the function, not
 * the runtime in front of it, has to refuse these.
 */
const maxQueryLength = 8_000;

export type CaseKind = 'valid' | 'mutated' | 'hostile';

export interface FuzzCase {
  readonly route: FuzzRoute;
  readonly kind: CaseKind;
  /** Path and query, encoded as sent. */
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** Sign the body as QStash would (routes that take deliveries). */
  readonly signed: boolean;
  /** Send the operator token (operator routes). */
  readonly operator: boolean;
}

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const children = Object.entries(value).flatMap(([key, child]) =>
    pathsOf(child, [...prefix, Array.isArray(value) ? Number(key) : key]),
  );
  return [prefix, ...children];
}

function setAt(value: unknown, path: Path, replacement: unknown, remove = false): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) delete node[last];
  else node[last] = replacement;
  return copy;
}

/** Valid values with one part broken: a field replaced, removed, or an unknown one added. */
export function mutationsOf(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return valid.chain((value) => {
    const paths = pathsOf(value);
    return fc.oneof(
      fc
        .tuple(fc.constantFrom(...paths), hostileValue)
        .map(([path, bad]) => setAt(value, path, bad)),
      fc.constantFrom(...paths).map((path) => setAt(value, path, undefined, path.length > 0)),
      fc
        .tuple(fc.string({ minLength: 1, maxLength: 10 }), hostileValue)
        .map(([key, bad]) =>
          value && typeof value === 'object' && !Array.isArray(value)
            ? { ...value, [key]: bad }
            : [value, bad],
        ),
    );
  });
}

const validOf = (schema: z.ZodType | undefined) =>
  schema ? arbitraryOf(inputJsonSchema(schema)) : fc.jsonValue({ maxDepth: 2 });

function segmentsFor(route: FuzzRoute, kind: CaseKind): fc.Arbitrary<Record<string, string>> {
  const names = pathParams(route.path);
  const valid = validOf(route.inputs.param).map((params) =>
    Object.fromEntries(
      names.map((name) => {
        const value = (params as Record<string, unknown> | null)?.[name];
        const text = typeof value === 'string' || typeof value === 'number' ? String(value) : name;
        return [name, encodeURIComponent(text)];
      }),
    ),
  );
  if (kind === 'valid' || names.length === 0) return valid;
  return fc
    .tuple(valid, fc.constantFrom(...names), fc.constantFrom(...hostileSegments))
    .map(([params, name, segment]) => ({ ...params, [name]: segment }));
}

function queryFor(route: FuzzRoute, kind: CaseKind): fc.Arbitrary<string> {
  const schema = route.inputs.query;
  const valid = schema ? validOf(schema) : fc.constant({});
  const values = kind === 'valid' ? valid : mutationsOf(valid);
  const encoded = values.map((query) => {
    if (!query || typeof query !== 'object') return '';
    const entries = Object.entries(query).map(
      ([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string],
    );
    return new URLSearchParams(entries).toString();
  });
  if (kind !== 'hostile') return encoded;
  return fc
    .tuple(
      encoded,
      fc.constantFrom('orderId=%zz', 'orderId=%', 'orderId=a&orderId=b', `q=${'x'.repeat(9000)}`),
    )
    .map(([query, raw]) => [query, raw].filter(Boolean).join('&'));
}

function bodyFor(route: FuzzRoute, kind: CaseKind): fc.Arbitrary<string | Uint8Array | undefined> {
  if (route.method === 'GET' || route.method === 'HEAD') return fc.constant(undefined);
  const valid = validOf(route.inputs.json ?? route.inputs.delivery);
  if (kind === 'valid') return valid.map((value) => JSON.stringify(value));
  if (kind === 'mutated') return mutationsOf(valid).map((value) => JSON.stringify(value) ?? '');
  return fc.constantFrom(...hostileBodies);
}

function caseFor(route: FuzzRoute, kind: CaseKind): fc.Arbitrary<FuzzCase> {
  const contentType =
    kind === 'hostile'
      ? fc.constantFrom(...hostileContentTypes, 'application/json')
      : fc.constant('application/json');
  const headers = kind === 'valid' ? fc.constant({}) : hostileHeaders;
  return fc
    .record({
      segments: segmentsFor(route, kind),
      query: queryFor(route, kind),
      body: bodyFor(route, kind),
      contentType,
      headers,
      signed: route.method === 'POST' && !route.inputs.json ? fc.boolean() : fc.constant(false),
      operator: fc.boolean(),
    })
    .map(({ segments, query, body, contentType, headers, signed, operator }) => {
      const path = route.path.replace(
        /:([A-Za-z0-9_]+)(\{[^}]*\})?/g,
        (_, name: string) => segments[name] ?? name,
      );
      return {
        route,
        kind,
        target: query ? `${path}?${query.slice(0, maxQueryLength)}` : path,
        headers: {
          ...(contentType && body !== undefined ? { 'content-type': contentType } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { body }),
        signed,
        operator,
      };
    });
}

/** Requests to `routes`: 30 % valid, 40 % mutated, 30 % hostile. */
export function fuzzCases(routes: readonly FuzzRoute[]): fc.Arbitrary<FuzzCase> {
  const route = fc.constantFrom(...routes);
  return route.chain((chosen) =>
    fc.oneof(
      { weight: 3, arbitrary: caseFor(chosen, 'valid') },
      { weight: 4, arbitrary: caseFor(chosen, 'mutated') },
      { weight: 3, arbitrary: caseFor(chosen, 'hostile') },
    ),
  );
}
