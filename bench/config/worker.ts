// One isolate of the config bench: reads its settings on every request from the cache, which
// checks the store at most once per SETTINGS_INTERVAL_MS inside waitUntil (poll mode, as workerd
// must), and answers with the revision in force.
import type { ConfigStore } from '../../shared/config/config-store.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { createSettingsCache, type SettingsCache } from '../../shared/config/settings-cache.ts';
import { configStoreFromConfig, configStoreVars } from '../../shared/config/store-from-env.ts';
import { createRequestContexts } from '../../shared/runtime/request-contexts.ts';
import type { ExecutionContextLike } from '../../shared/runtime/runtime.ts';
import { stringBindings } from '../../shared/runtime/workers.ts';
import { benchSettings } from './schema.ts';

const contexts = createRequestContexts();
let cache: SettingsCache<{ round: number }> | undefined;
/** Store round trips this isolate made: revision checks (heads) and document reads (get). */
const calls = { heads: 0, get: 0 };

function counted(store: ConfigStore): ConfigStore {
  return {
    ...store,
    heads: (...args) => {
      calls.heads += 1;
      return store.heads(...args);
    },
    get: (...args) => {
      calls.get += 1;
      return store.get(...args);
    },
  };
}

export default {
  fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContextLike) {
    return contexts.serve(ctx, async () => {
      const vars = stringBindings(env);
      cache ??= createSettingsCache({
        store: counted(
          configStoreFromConfig(loadConfig(vars, configStoreVars), { watchMode: 'poll' }),
        ),
        service: 'bench',
        schema: benchSettings,
        intervalMs: Number(vars.SETTINGS_INTERVAL_MS ?? 500),
        waitUntil: (promise) => contexts.waitUntil(promise),
        log: { info: () => undefined, warn: (line) => console.warn(line) },
      });
      if (new URL(request.url).pathname === '/ready') await cache.ready();
      const settings = cache.current();
      return Response.json({ round: settings.round, revision: cache.revision, calls });
    });
  },
};
