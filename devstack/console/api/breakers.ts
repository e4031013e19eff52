import type { Hono } from 'hono';
import * as z from 'zod';
import type { BreakerKind, BreakerState } from '../../../shared/breaker/index.ts';
import { upstashBreakerStore } from '../../../shared/breaker/upstash-store.ts';
import { EdgeMeshError } from '../../../shared/errors/index.ts';
import type { ConsoleSources } from '../sources.ts';

/** A change of state the console saw between two reads. */
interface SeenTransition {
  readonly at: number;
  readonly from: BreakerKind;
  readonly to: BreakerKind;
}

const name = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a service name');
const forceBody = z.object({
  caller: name,
  dependency: name,
  force: z.enum(['open', 'closed']).nullable(),
});

async function scopesInRedis(sources: ConsoleSources, caller: string): Promise<string[]> {
  const base = `${sources.breakerPrefix}:${caller}:`;
  const scopes = new Set<string>();
  let cursor: string | number = 0;
  do {
    const [next, keys]: [string | number, string[]] = await sources.redis.scan(cursor, {
      match: `${base}{*}:head`,
      count: 500,
    });
    for (const key of keys) {
      const scope = /^\{(.+)\}:head$/.exec(key.slice(base.length))?.[1];
      if (scope) scopes.add(scope);
    }
    cursor = next;
  } while (String(cursor) !== '0');
  return [...scopes];
}

async function forcedBy(sources: ConsoleSources, caller: string) {
  try {
    const { settings } = await sources.settings.effective(caller);
    return (settings as { breaker?: { force?: Record<string, 'open' | 'closed'> } }).breaker?.force;
  } catch {
    return undefined;
  }
}

/** What changed since the last read, per `caller scope`; the console's own short history. */
function transitionTracker(keep = 20) {
  const last = new Map<string, { kind: BreakerKind; epoch: number }>();
  const seen = new Map<string, SeenTransition[]>();
  return (key: string, state: BreakerState | undefined): SeenTransition[] => {
    const kind = state?.kind ?? 'CLOSED';
    const epoch = state?.epoch ?? 0;
    const before = last.get(key);
    const list = seen.get(key) ?? [];
    if (before && before.kind !== kind) {
      list.push({ at: state?.since ?? Date.now(), from: before.kind, to: kind });
      if (list.length > keep) list.splice(0, list.length - keep);
    }
    last.set(key, { kind, epoch });
    seen.set(key, list);
    return list;
  };
}

/**
 * `GET /api/breakers`: every caller's breakers (each declared call and each state in Redis), the
 * shared state, the operator's force from live settings, and transitions seen.
 * `POST /api/breakers/force` `{caller, dependency, force: "open"|"closed"|null}` sets or clears
 * `breaker.force.<dependency>` in the caller's settings.
 */
export function breakerRoutes(app: Hono, sources: ConsoleSources): void {
  const track = transitionTracker();
  app.get('/api/breakers', async (c) => {
    const callers = sources.services.filter(
      (s) => Object.keys(s.definition.calls ?? {}).length > 0,
    );
    const rows = await Promise.all(
      callers.map(async (caller) => {
        const store = upstashBreakerStore(sources.redis, {
          prefix: `${sources.breakerPrefix}:${caller.name}:`,
        });
        const scopes = new Set([
          ...Object.keys(caller.definition.calls ?? {}),
          ...(await scopesInRedis(sources, caller.name)),
        ]);
        const forced = await forcedBy(sources, caller.name);
        return Promise.all(
          [...scopes].sort().map(async (scope) => {
            const state = await store.load(scope);
            const dependency = scope.split(' ')[0]!;
            return {
              caller: caller.name,
              scope,
              dependency,
              state: state ?? null,
              forced: forced?.[dependency] ?? null,
              transitions: track(`${caller.name} ${scope}`, state),
            };
          }),
        );
      }),
    );
    return c.json({ breakers: rows.flat() });
  });
  app.post('/api/breakers/force', async (c) => {
    const parsed = forceBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      throw new EdgeMeshError(
        'VALIDATION',
        'Send {caller, dependency, force: "open"|"closed"|null}.',
      );
    }
    const { caller, dependency, force } = parsed.data;
    const path = `breaker.force.${dependency}`;
    const options = { actor: 'console' };
    const result =
      force === null
        ? await sources.settings.unset(caller, path, options)
        : await sources.settings.set(caller, path, force, options);
    return c.json(result);
  });
}
