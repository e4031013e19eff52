import type { z } from 'zod';

/** Where a route reads its input: a request part, or the body of a signed QStash delivery. */
export type InputTarget = 'json' | 'query' | 'param' | 'header' | 'form' | 'cookie' | 'delivery';

export interface InputSchema {
  readonly target: InputTarget;
  readonly schema: z.ZodType;
}

const described = new WeakMap<object, InputSchema>();

/**
 * Records which schema a handler validates, so tools that walk an app's routes (contract
 * documents, the fuzz suite) read the same schema the route enforces.
 */
export function describeInput<Handler extends object>(handler: Handler, input: InputSchema) {
  described.set(handler, input);
  return handler;
}

/** The schema `handler` validates, when it was built by `validate` or a consumer. */
export function inputSchemaOf(handler: object): InputSchema | undefined {
  return described.get(handler);
}
