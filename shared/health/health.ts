import type { Context } from 'hono';
import type { Sql } from '../postgres/neon.ts';
/** One dependency's health: a name and a probe that resolves when it answers. */
export interface HealthCheck {
  readonly name: string;
  probe(signal: AbortSignal): Promise<void>;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  service: string;
  checks: Record<string, { status: 'ok' | 'down'; latencyMs: number; error?: string }>;
}

export interface HealthOptions {
  /** How long a probe may take before it counts as down, in ms. Default 2000. */
  timeoutMs?: number;
  /** Milliseconds clock. Default Date.now. */
  now?: () => number;
}

/** Runs every probe in parallel with a timeout; `degraded` when any is down. */
export async function checkHealth(
  service: string,
  checks: readonly HealthCheck[],
  { timeoutMs = 2000, now = Date.now }: HealthOptions = {},
): Promise<HealthReport> {
  const entries = await Promise.all(
    checks.map(async (check) => {
      const started = now();
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        await Promise.race([
          check.probe(signal),
          new Promise<never>((_, reject) => {
            signal.addEventListener('abort', () =>
              reject(new Error(`timed out after ${timeoutMs} ms`)),
            );
          }),
        ]);
        return [check.name, { status: 'ok' as const, latencyMs: now() - started }] as const;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [
          check.name,
          { status: 'down' as const, latencyMs: now() - started, error: message },
        ] as const;
      }
    }),
  );
  const report: HealthReport = { status: 'ok', service, checks: {} };
  for (const [name, entry] of entries) report.checks[name] = entry;
  if (entries.some(([, entry]) => entry.status === 'down')) report.status = 'degraded';
  return report;
}

/** Probes Postgres with `select 1` through any query function. */
export function postgresCheck(
  query: (text: string, signal: AbortSignal) => Promise<unknown>,
): HealthCheck {
  return { name: 'postgres', probe: async (signal) => void (await query('select 1', signal)) };
}

/** Probes Redis with PING. */
export function redisCheck(redis: { ping(): Promise<string> }): HealthCheck {
  return { name: 'redis', probe: async () => void (await redis.ping()) };
}

/** The Postgres (over Neon's HTTP path) and Redis probes every stateful function reports. */
export function storageHealthChecks(
  sql: Pick<Sql, 'query'>,
  redis: { ping(): Promise<string> },
): HealthCheck[] {
  return [
    postgresCheck((text, signal) => sql.query(text, [], { fetchOptions: { signal } })),
    redisCheck(redis),
  ];
}

/**
 * `GET /health`: the report as JSON (with `instance`, the devstack that started the function,
 * and the live settings' revisions, when known), 200 when every check is ok, else 503.
 */
export function healthHandler(deps: {
  service: string;
  healthChecks: readonly HealthCheck[];
  instance?: string;
  /** The live settings' revisions in force, shown as `settings.revision`. */
  settings?: { readonly revision: { readonly global: number; readonly service: number } };
  now(): number;
}) {
  return async function reportHealth(c: Context) {
    const report = await checkHealth(deps.service, deps.healthChecks, { now: () => deps.now() });
    return c.json(
      {
        ...report,
        ...(deps.instance ? { instance: deps.instance } : {}),
        ...(deps.settings ? { settings: { revision: deps.settings.revision } } : {}),
      },
      report.status === 'ok' ? 200 : 503,
    );
  };
}
