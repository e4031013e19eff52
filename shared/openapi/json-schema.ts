import * as z from 'zod';

/** The JSON Schema (2020-12, OpenAPI 3.1's dialect) of what a zod schema produces. */
export function outputSchema(schema: z.ZodType): Record<string, unknown> {
  const json: Record<string, unknown> = z.toJSONSchema(schema, {
    io: 'output',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  });
  // The document's dialect is OpenAPI 3.1's; a `$schema` per schema only adds noise.
  delete json.$schema;
  return json;
}
