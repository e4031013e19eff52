import { stringBindings, workersRuntime } from '../runtime/workers.ts';
import type { ExecutionContextLike, Runtime } from '../runtime/index.ts';
import type { ServiceDeps } from './deps.ts';

/** Builds a function's base deps from a Workers env (as its `fetch` does). */
type DepsFromEnv = (
  env: Record<string, string>,
  runtime: Runtime,
  bindings: Readonly<Record<string, unknown>>,
) => ServiceDeps<object>;

/** What Workers passes to `scheduled`: the cron that fired and when, in ms since the epoch. */
export interface ScheduledControllerLike {
  readonly cron: string;
  readonly scheduledTime: number;
}

/**
 * Workers' `scheduled(controller, env, ctx)` for a Cron Trigger: sweeps the outbox, the same
 * sweep QStash's `<name>-outbox-sweep` schedule asks for, without leaving Cloudflare.
 */
export function cronOutboxSweep(depsFromEnv: DepsFromEnv) {
  return async function scheduled(
    controller: ScheduledControllerLike,
    env: Record<string, unknown>,
    ctx: ExecutionContextLike,
  ): Promise<void> {
    const deps = depsFromEnv(stringBindings(env), workersRuntime(ctx), env);
    const relay = deps.outbox.relay;
    if (!relay) {
      deps.telemetry.log.warn('outbox sweep skipped: no QSTASH_TOKEN to publish with', {
        cron: controller.cron,
      });
      return;
    }
    const report = await relay.sweep();
    deps.telemetry.log.info('outbox swept', { cron: controller.cron, ...report });
  };
}
