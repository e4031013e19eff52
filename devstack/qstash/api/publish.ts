import type { Hono } from 'hono';
import * as z from 'zod';
import { badInput } from '../input-error.ts';
import { callerIp, rawTarget, readBody, type ApiDeps } from './deps.ts';
import { commitPublishes, preparePublish, type PublishInput } from './prepare-publish.ts';

const batchSchema = z.array(
  z.object({
    destination: z.string(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
    queue: z.string().optional(),
  }),
);

/** Everything after `prefix` in the raw request target, query string included. */
function afterPrefix(target: string, prefix: string): string {
  return target.startsWith(prefix) ? target.slice(prefix.length) : '';
}

/** `POST /v2/publish/<destination>`, `POST /v2/enqueue/<queue>/<destination>`, `POST /v2/batch`. */
export function publishRoutes(app: Hono, deps: ApiDeps): void {
  const publish = async (input: PublishInput) => {
    const prepared = await preparePublish(deps, input);
    const [response] = await commitPublishes(deps, [prepared]);
    return response;
  };

  app.post('/v2/publish/*', async (c) => {
    const destination = afterPrefix(rawTarget(c), '/v2/publish/');
    const body = await readBody(c, deps.limits.maxBodyBytes);
    const ip = callerIp(c);
    const response = await publish({
      destination,
      headers: c.req.raw.headers,
      body,
      ...(ip ? { callerIp: ip } : {}),
    });
    return c.json(response as object);
  });

  app.post('/v2/enqueue/*', async (c) => {
    const rest = afterPrefix(rawTarget(c), '/v2/enqueue/');
    const slash = rest.indexOf('/');
    if (slash <= 0) throw badInput('expected /v2/enqueue/<queue>/<destination>');
    const body = await readBody(c, deps.limits.maxBodyBytes);
    const ip = callerIp(c);
    const response = await publish({
      destination: rest.slice(slash + 1),
      queueName: decodeURIComponent(rest.slice(0, slash)),
      headers: c.req.raw.headers,
      body,
      ...(ip ? { callerIp: ip } : {}),
    });
    return c.json(response as object);
  });

  app.post('/v2/batch', async (c) => {
    const text = await readBody(c, deps.limits.maxBodyBytes * 100);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.toString('utf8'));
    } catch {
      throw badInput('the batch body is not valid JSON');
    }
    const entries = batchSchema.safeParse(parsed);
    if (!entries.success) {
      const issue = entries.error.issues[0];
      throw badInput(
        `invalid batch: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'expected an array'}`,
      );
    }
    const ip = callerIp(c);
    const prepared = [];
    for (const [index, entry] of entries.data.entries()) {
      const body = Buffer.from(entry.body ?? '', 'utf8');
      if (body.length > deps.limits.maxBodyBytes)
        throw badInput(
          `batch entry ${index}: body is ${body.length} bytes; the limit is ${deps.limits.maxBodyBytes}`,
        );
      try {
        prepared.push(
          await preparePublish(deps, {
            destination: entry.destination,
            headers: new Headers(entry.headers ?? {}),
            body,
            ...(entry.queue ? { queueName: entry.queue } : {}),
            ...(ip ? { callerIp: ip } : {}),
          }),
        );
      } catch (error) {
        if (error instanceof Error) error.message = `batch entry ${index}: ${error.message}`;
        throw error;
      }
    }
    return c.json(await commitPublishes(deps, prepared));
  });
}
