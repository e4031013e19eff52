// Valid values of a route's input, generated from the JSON Schema that zod derives from the
// route's own schema (`z.toJSONSchema`). zod-fast-check, the connector fast-check lists, reads
// zod 3's internals only; JSON Schema is zod 4's stable description of a schema, and the same
// document an OpenAPI contract publishes.
import fc from 'fast-check';
import * as z from 'zod';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
}

/** The JSON Schema of what `schema` accepts as input (defaults may be left out). */
export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

const formats: Record<string, () => fc.Arbitrary<string>> = {
  'date-time': () =>
    fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  uuid: () => fc.uuid({ version: 4 }),
  email: () => fc.emailAddress(),
  uri: () => fc.webUrl(),
  url: () => fc.webUrl(),
};

/** `text` cut to `max` UTF-16 units (zod's measure) without splitting a surrogate pair. */
function fitLength(text: string, min: number, max: number): string {
  let fitted = '';
  for (const point of text) {
    if (fitted.length + point.length > max) break;
    fitted += point;
  }
  return fitted.padEnd(min, 'a');
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? minLength + 40;
  const format = schema.format ? formats[schema.format] : undefined;
  if (format) return format();
  if (schema.pattern) {
    const fits = (s: string) => s.length >= minLength && s.length <= maxLength;
    return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  }
  return fc
    .string({ minLength, maxLength: Math.min(maxLength, minLength + 40), unit: 'grapheme' })
    .map((text) => fitLength(text, minLength, maxLength));
}

function numberOf(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum ?? -1e6) + (integer ? 1 : 0);
  const max = schema.maximum ?? (schema.exclusiveMaximum ?? 1e6) - (integer ? 1 : 0);
  if (integer) {
    // Most values near the lower bound, some at either bound: limits are where bugs live.
    const low = Math.max(min, -(2 ** 31));
    const near = Math.min(max, 2 ** 31 - 1, Math.max(low, 0) + 100);
    return fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: low, max: Math.max(low, near) }) },
      { weight: 1, arbitrary: fc.constantFrom(min, max).filter(Number.isSafeInteger) },
    );
  }
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

function objectOf(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([key, value]) => [key, arbitraryOf(value)]),
  );
  const record = fc.record(properties, { requiredKeys: schema.required ?? [] });
  if (typeof schema.additionalProperties !== 'object') return record;
  const keys = schema.propertyNames
    ? stringOf(schema.propertyNames)
    : fc.string({ minLength: 1, maxLength: 12 });
  const extra = fc.dictionary(keys, arbitraryOf(schema.additionalProperties), { maxKeys: 4 });
  return fc.tuple(record, extra).map(([known, more]) => ({ ...more, ...known }));
}

function arrayOf(schema: JsonSchema): fc.Arbitrary<unknown[]> {
  if (schema.prefixItems) return fc.tuple(...schema.prefixItems.map(arbitraryOf));
  const minLength = schema.minItems ?? 0;
  const maxLength = Math.min(schema.maxItems ?? 5, minLength + 5);
  return fc.array(schema.items ? arbitraryOf(schema.items) : fc.jsonValue(), {
    minLength,
    maxLength,
  });
}

const byType: Record<string, (schema: JsonSchema) => fc.Arbitrary<unknown>> = {
  string: stringOf,
  integer: (schema) => numberOf(schema, true),
  number: (schema) => numberOf(schema, false),
  boolean: () => fc.boolean(),
  null: () => fc.constant(null),
  object: objectOf,
  array: arrayOf,
};

/** Values `schema` accepts. Unknown constructs fall back to any JSON value. */
export function arbitraryOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return fc.oneof(...choices.map(arbitraryOf));
  if (schema.allOf?.length === 1) return arbitraryOf(schema.allOf[0]!);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const known = types.filter((type) => byType[type]);
  if (known.length === 0) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(...known.map((type) => byType[type]!(schema)));
}
