import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type * as z from 'zod';
import { EdgeMeshError, type FieldIssue } from '../errors/edgemesh-error.ts';
import { describeInput } from './input-schemas.ts';

/** Flattens zod issues into dotted field paths (`items.0.quantity`). */
export function fieldIssues(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/**
 * Validates one part of the request with a zod schema; failures become a VALIDATION problem
 * naming every bad field, so bad input never reaches the handler.
 * @example app.post('/orders', validate('json', placeOrderBody), (c) => c.req.valid('json'))
 */
export function validate<Schema extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: Schema,
) {
  const middleware = zValidator(target, schema, (result) => {
    if (!result.success) {
      const issues = fieldIssues(result.error);
      throw new EdgeMeshError(
        'VALIDATION',
        `Invalid ${target}: ${issues.map((issue) => issue.path).join(', ')}.`,
        { issues },
      );
    }
  });
  return describeInput(middleware, { target: target, schema });
}
