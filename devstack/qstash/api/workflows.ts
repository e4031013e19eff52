import type { Context, Hono } from 'hono';
import { badInput, notFound } from '../input-error.ts';
import { headerListsOf } from '../workflow/model.ts';
import type { RunFilter } from '../workflow/store.ts';
import type { WaitRequest } from '../workflow/waiters.ts';
import { queryInt, queryList, rawTarget, readBody, readJson, type ApiDeps } from './deps.ts';

const stateNames = new Set(['RUN_STARTED', 'RUN_SUCCESS', 'RUN_FAILED', 'RUN_CANCELED']);

function optional(c: Context, name: string): string | undefined {
  return c.req.query(name) || undefined;
}

/**
 * Upstash Workflow's endpoints: a run's steps, ending and cancelling runs, the run log, waits,
 * notifies and waiters (webhooks are `workflowHookRoute`, outside the token check).
 */
export function workflowRoutes(app: Hono, deps: ApiDeps): void {
  const { workflows } = deps;
  const dateRange = (c: Context) => {
    const fromDate = queryInt(c, 'fromDate', 0, Number.MAX_SAFE_INTEGER);
    const toDate = queryInt(c, 'toDate', 0, Number.MAX_SAFE_INTEGER);
    return {
      ...(fromDate !== undefined ? { fromDate } : {}),
      ...(toDate !== undefined ? { toDate } : {}),
    };
  };

  app.get('/v2/workflows/runs/:id', (c) => {
    const steps = workflows.steps(c.req.param('id'));
    if (!steps) throw notFound(`workflow run ${c.req.param('id')} is not running`);
    return c.body(new Uint8Array(steps), 200, { 'Content-Type': 'application/json' });
  });

  // The SDK ends a run with ?cancel=false and the route function's result as the body, and
  // cancels one with ?cancel=true.
  app.delete('/v2/workflows/runs/:id', async (c) => {
    const id = c.req.param('id');
    const cancel = c.req.query('cancel') === 'true';
    const body = (await readBody(c, deps.limits.maxBodyBytes)).toString('utf8');
    const outcome = await workflows.end(
      id,
      cancel ? 'RUN_CANCELED' : 'RUN_SUCCESS',
      cancel || body === '' ? {} : { result: body },
    );
    if (outcome === 'unknown') throw notFound(`workflow run ${id} not found`);
    return c.json({});
  });

  app.delete('/v2/workflows/runs', async (c) => {
    const ids = queryList(c, 'workflowRunIds');
    const url = optional(c, 'workflowUrl');
    const label = optional(c, 'label');
    const count = queryInt(c, 'count', 1, 100_000);
    const cancelled = await workflows.cancelMatching({
      ...(ids ? { workflowRunIds: ids } : {}),
      ...(url ? { workflowUrl: url } : {}),
      workflowUrlExactMatch: c.req.query('workflowUrlExactMatch') === 'true',
      ...(label ? { label } : {}),
      ...dateRange(c),
      ...(count !== undefined ? { count } : {}),
    });
    return c.json({ cancelled });
  });

  app.get('/v2/workflows/events', async (c) => {
    const state = optional(c, 'state');
    if (state && !stateNames.has(state))
      throw badInput(`invalid state "${state}": expected one of ${[...stateNames].join(', ')}`);
    const filter: RunFilter = { ...dateRange(c), ...(state ? { state } : {}) };
    for (const name of ['workflowRunId', 'workflowUrl', 'label'] as const) {
      const value = optional(c, name);
      if (value !== undefined) filter[name] = value;
    }
    const offset = queryInt(c, 'cursor', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const count = queryInt(c, 'count', 1, 1000) ?? 10;
    return c.json(await workflows.logs(filter, offset, count));
  });

  app.post('/v2/wait/:eventId', async (c) => {
    const runId = c.req.header('upstash-workflow-runid');
    if (!runId) throw badInput('a wait needs the Upstash-Workflow-RunId header');
    const request = (await readJson(c)) as WaitRequest;
    await workflows.wait(runId, c.req.param('eventId'), request, c.req.raw.headers);
    return c.json({});
  });

  const notify = async (c: Context, runId?: string) => {
    const data = await readBody(c, deps.limits.maxBodyBytes);
    return c.json(await workflows.notify(c.req.param('eventId')!, data, runId));
  };
  app.post('/v2/notify/:eventId', (c) => notify(c));
  app.post('/v2/notify/:runId/:eventId', (c) => notify(c, c.req.param('runId')));

  app.get('/v2/waiters/:eventId', (c) =>
    c.json(
      workflows.waitersOf(c.req.param('eventId')).map((waiter) => ({
        url: waiter.url,
        headers: waiter.headers,
        deadline: Math.floor(waiter.deadline / 1000),
        timeoutUrl: waiter.timeoutUrl,
        timeoutHeaders: waiter.timeoutHeaders,
        ...(waiter.timeoutBody !== undefined ? { timeoutBody: waiter.timeoutBody } : {}),
        workflowRunId: waiter.runId,
      })),
    ),
  );
}

/** The user id in a QStash token (base64 JSON with `UserID`), as the SDK reads it for webhooks. */
function userIdOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      UserID?: unknown;
    };
    return typeof payload.UserID === 'string' ? payload.UserID : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `/v2/workflows/hooks/{userId}/{runId}/{eventId}`, the URL `context.createWebhook` hands out:
 * any request to it (no token; the URL is the secret) is the event `context.waitForWebhook`
 * waits for, kept for the run if it is not waiting yet.
 */
export function workflowHookRoute(app: Hono, deps: ApiDeps & { token: string }): void {
  app.all('/v2/workflows/hooks/:userId/:runId/:eventId', async (c) => {
    if (c.req.param('userId') !== userIdOf(deps.token))
      return c.json({ error: 'no such webhook' }, 404);
    const body = await readBody(c, deps.limits.maxBodyBytes);
    const target = rawTarget(c);
    const request = {
      method: c.req.method,
      proto: new URL(c.req.url).protocol.replace(':', ''),
      host: c.req.header('host') ?? '',
      url: target,
      header: headerListsOf(c.req.raw.headers),
      body: body.toString('base64'),
    };
    const notified = await deps.workflows.notify(
      c.req.param('eventId'),
      Buffer.from(JSON.stringify(request)),
      c.req.param('runId'),
    );
    return c.json(notified);
  });
}
