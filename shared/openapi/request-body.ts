import { resolver, uniqueSymbol } from 'hono-openapi';
import type { z } from 'zod';

/**
 * Marks a handler that reads and checks a JSON body itself (a queue consumer) so the document
 * shows that body, as `validate('json', schema)` would.
 */
export function documentedBody<Handler extends object>(
  handler: Handler,
  schema: z.ZodType,
): Handler {
  return Object.assign(handler, { [uniqueSymbol]: { target: 'json', ...resolver(schema) } });
}
