import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { EdgeMeshError, isEdgeMeshError } from '../../../../shared/errors/edgemesh-error.ts';
import { problemErrorHandler, problemNotFound } from '../../../../shared/errors/hono.ts';
import { validate } from '../../../../shared/http/validate.ts';

function appThrowing(error: unknown) {
  const app = new Hono();
  app.get('/boom', () => {
    throw error;
  });
  app.post(
    '/things',
    validate('json', z.object({ name: z.string(), count: z.number().int() })),
    (c) => c.json(c.req.valid('json')),
  );
  app.onError(problemErrorHandler({ onServerError: () => {} }));
  app.notFound(problemNotFound);
  return app;
}

describe('problem+json rendering', () => {
  it('renders an EdgeMeshError with its status, code, type and instance', async () => {
    const response = await appThrowing(
      new EdgeMeshError('NOT_FOUND', 'Order x does not exist.'),
    ).request('/boom');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      title: 'Not found',
      detail: 'Order x does not exist.',
      instance: '/boom',
      type: 'https://edgemesh.dev/problems/not-found',
    });
  });

  it('hides the message of an unexpected error behind INTERNAL', async () => {
    const response = await appThrowing(new Error('secret connection string')).request('/boom');
    expect(response.status).toBe(500);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem.code).toBe('INTERNAL');
    expect(JSON.stringify(problem)).not.toContain('secret');
  });

  it('carries the trace id of a valid traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await appThrowing(new EdgeMeshError('CONFLICT', 'taken')).request('/boom', {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(((await response.json()) as Record<string, unknown>).traceId).toBe(traceId);
  });

  it('answers an unknown route with a NOT_FOUND problem', async () => {
    const response = await appThrowing(null).request('/nowhere');
    expect(response.status).toBe(404);
    expect(((await response.json()) as Record<string, unknown>).code).toBe('NOT_FOUND');
  });

  it('names each failing field of an invalid body', async () => {
    const response = await appThrowing(null).request('/things', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1.5 }),
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; errors: Array<{ path: string }> };
    expect(problem.code).toBe('VALIDATION');
    expect(problem.errors.map((issue) => issue.path).sort()).toEqual(['count', 'name']);
  });

  it('answers malformed JSON with a VALIDATION problem, not a 500', async () => {
    const response = await appThrowing(null).request('/things', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Record<string, unknown>).code).toBe('VALIDATION');
  });

  it('recognises an error from another copy of the toolkit by its brand', () => {
    const foreign = Object.assign(new Error('x'), { __edgemeshError: true, code: 'TIMEOUT' });
    expect(isEdgeMeshError(foreign)).toBe(true);
    expect(isEdgeMeshError(new Error('x'))).toBe(false);
  });
});
