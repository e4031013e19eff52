import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inProcessTargets } from '../../fuzz/in-process.ts';
import { arbitraryOf, inputJsonSchema } from '../../fuzz/json-schema-arbitrary.ts';
import { mutationsOf } from '../../fuzz/cases.ts';
import * as z from 'zod';

/** A check across fields (`refine`) anywhere in the schema, which no JSON Schema can carry. */
function refined(schema: z.ZodType): boolean {
  const def = schema._zod.def as z.core.$ZodTypeDef & {
    shape?: Record<string, z.ZodType>;
    element?: z.ZodType;
    innerType?: z.ZodType;
  };
  if ((def.checks ?? []).some((check) => check._zod.def.check === 'custom')) return true;
  const children = [...Object.values(def.shape ?? {}), def.element, def.innerType];
  return children.some((child) => child !== undefined && refined(child));
}

describe('valid inputs from a route schema', () => {
  it('are accepted by the schema they came from, for every route schema without a refinement', async () => {
    const schemas = (await inProcessTargets()).flatMap((target) =>
      target.routes.flatMap((route) =>
        Object.entries(route.inputs).map(([part, schema]) => ({
          name: `${target.name} ${route.method} ${route.path} ${part}`,
          schema,
        })),
      ),
    );
    expect(schemas.length).toBeGreaterThan(10);
    expect(schemas.filter(({ schema }) => !refined(schema)).length).toBeGreaterThanOrEqual(4);
    for (const { name, schema } of schemas.filter(({ schema }) => !refined(schema))) {
      const samples = fc.sample(arbitraryOf(inputJsonSchema(schema)), { numRuns: 50, seed: 7 });
      const accepted = samples.filter((value) => schema.safeParse(value).success).length;
      // A refinement across fields (an order's total) can refuse a rare sample.
      expect(accepted / samples.length, name).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('keeps bounds, patterns, formats and required fields', () => {
    const schema = z.object({
      id: z.string().regex(/^[a-z]{2,6}$/),
      n: z.number().int().min(3).max(9),
      at: z.iso.datetime(),
      tags: z
        .array(z.enum(['a', 'b']))
        .min(1)
        .max(3),
      note: z.string().max(4).optional(),
    });
    fc.assert(
      fc.property(arbitraryOf(inputJsonSchema(schema)), (value) => schema.safeParse(value).success),
    );
  });

  it('are broken by a mutation most of the time', () => {
    const schema = z
      .object({ sku: z.string().min(1), quantity: z.number().int().positive() })
      .strict();
    const samples = fc.sample(mutationsOf(arbitraryOf(inputJsonSchema(schema))), {
      numRuns: 200,
      seed: 3,
    });
    const refused = samples.filter((value) => !schema.safeParse(value).success).length;
    expect(refused / samples.length).toBeGreaterThan(0.6);
  });
});
