// The routes of a function as the fuzz suite sees them: method, path template and the schema
// each part of the request is validated with, read from the app itself.
import type { Hono } from 'hono';
import type { z } from 'zod';
import { inputSchemaOf, type InputTarget } from '../../shared/http/index.ts';

export interface FuzzRoute {
  readonly method: string;
  readonly path: string;
  readonly inputs: Partial<Record<InputTarget, z.ZodType>>;
}

/** A sub-app's handler, which Hono wraps when the sub-app has its own error handler. */
function composedOf(handler: object): object {
  let inner = handler as { __COMPOSED_HANDLER?: object };
  while (inner.__COMPOSED_HANDLER) inner = inner.__COMPOSED_HANDLER;
  return inner;
}

/** Every concrete route of `app` (not its middleware), with the input schemas it enforces. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fuzzRoutes(app: Hono<any, any, any>): FuzzRoute[] {
  const byRoute = new Map<string, { method: string; path: string; inputs: FuzzRoute['inputs'] }>();
  for (const { method, path, handler } of app.routes) {
    if (method === 'ALL' || path.includes('*')) continue;
    const key = `${method} ${path}`;
    const route = byRoute.get(key) ?? { method, path, inputs: {} };
    const input = inputSchemaOf(handler) ?? inputSchemaOf(composedOf(handler));
    if (input) route.inputs[input.target] = input.schema;
    byRoute.set(key, route);
  }
  return [...byRoute.values()];
}

/** Names of the `:params` of a path template. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)(?:\{[^}]*\})?/g)].map((match) => match[1]!);
}
