import type { Hono } from 'hono';
import * as z from 'zod';
import { globalScope } from '../../../shared/config/index.ts';
import { EdgeMeshError } from '../../../shared/errors/index.ts';
import type { ConsoleSources } from '../sources.ts';

const path = z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_:/.-]+)*$/, 'a dotted path');
const change = z.discriminatedUnion('action', [
  z.object({ action: z.literal('set'), path, value: z.json() }),
  z.object({ action: z.literal('unset'), path }),
  z.object({ action: z.literal('rollback'), revision: z.number().int().min(1) }),
]);

function scopeOf(sources: ConsoleSources, scope: string): string {
  if (scope !== globalScope && !sources.services.some((s) => s.name === scope)) {
    throw new EdgeMeshError('NOT_FOUND', `No service ${scope}.`);
  }
  return scope;
}

/**
 * `GET /api/settings/:scope`: the document, the effective settings (services) and the history.
 * `POST /api/settings/:scope` `{action: "set", path, value}`, `{action: "unset", path}` or
 * `{action: "rollback", revision}`: validated by the configuration centre, which answers every
 * bad field in `errors` (shown inline).
 */
export function settingsRoutes(app: Hono, sources: ConsoleSources): void {
  const admin = sources.settings;
  app.get('/api/settings', (c) => c.json({ scopes: admin.scopes() }));
  app.get('/api/settings/:scope', async (c) => {
    const scope = scopeOf(sources, c.req.param('scope'));
    const [state, history, effective] = await Promise.all([
      admin.read(scope),
      admin.history(scope, { limit: 20 }),
      scope === globalScope ? undefined : admin.effective(scope).catch(() => undefined),
    ]);
    return c.json({
      scope,
      revision: state.revision,
      document: state.good.settings,
      effective: effective?.settings,
      history: history.map((view) => ({
        revision: view.revision,
        corrupt: view.corrupt,
        audit: view.record?.audit,
      })),
    });
  });
  app.post('/api/settings/:scope', async (c) => {
    const scope = scopeOf(sources, c.req.param('scope'));
    const parsed = change.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) throw new EdgeMeshError('VALIDATION', 'Send a set, unset or rollback.');
    const body = parsed.data;
    const options = { actor: 'console' };
    if (body.action === 'set')
      return c.json(await admin.set(scope, body.path, body.value, options));
    if (body.action === 'unset') return c.json(await admin.unset(scope, body.path, options));
    return c.json(await admin.rollback(scope, body.revision, options));
  });
}
