import type { Hono } from 'hono';
import { requestScope } from '../telemetry/index.ts';
import type { ServiceDeps, ServiceEnv } from './deps.ts';

/** How long a cold isolate's first request waits for the settings store before using defaults, ms. */
const firstLoadMs = 1_000;

/**
 * Wires a function's live settings into its app: a cold isolate's first requests wait (at most
 * a second) for the first revision check; each revision that applies logs one line, is a span
 * event on the next request and moves `edgemesh_settings_revision`; each refused one counts in
 * `edgemesh_settings_rejected_total`.
 */
export function mountLiveSettings(app: Hono<ServiceEnv>, deps: ServiceDeps<object>): void {
  const { settings, telemetry, service } = deps;
  const revision = telemetry.metrics.gauge(
    'edgemesh_settings_revision',
    'Revision of the settings in force, global and the service’s own (0: defaults).',
    ['service', 'scope'],
  );
  const rejected = telemetry.metrics.counter(
    'edgemesh_settings_rejected_total',
    'Stored settings revisions refused (corrupt, or invalid for the schema).',
    ['service', 'scope'],
  );
  let announce: Record<string, string | number> | undefined;
  settings.onApply(({ revision: now, changes }) => {
    revision.set({ service, scope: 'global' }, now.global);
    revision.set({ service, scope: 'service' }, now.service);
    const paths = changes.map((change) => change.path).join(', ');
    telemetry.log.info('settings applied', { revision: now, changes: paths });
    announce = {
      'settings.revision.global': now.global,
      'settings.revision.service': now.service,
      'settings.changes': paths,
    };
  });
  settings.onReject(({ scope }) => rejected.inc({ service, scope }));

  app.use(async (c, next) => {
    if (!settings.loaded) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        settings.ready(c.req.raw.signal).catch(() => {}),
        new Promise((resolve) => (timer = setTimeout(resolve, firstLoadMs))),
      ]);
      clearTimeout(timer);
    }
    // Reading the settings is what starts a due revision check (inside waitUntil, never awaited).
    settings.current();
    if (announce) {
      requestScope(c)?.span.addEvent('settings applied', announce);
      announce = undefined;
    }
    await next();
  });
}
