// The fuzz suite's shorter run over HTTP: the functions as workerd and Deno serve them, against
// the test data plane (real Postgres, Redis and the local QStash).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions } from '../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../../devstack/functions/start.ts';
import { freePort } from '../../devstack/listen.ts';
import { inProcessTargets } from '../fuzz/in-process.ts';
import { httpTarget } from '../fuzz/over-http.ts';
import { fuzz, type FuzzTarget } from '../fuzz/run.ts';

const runtimes: FunctionRuntime[] = ['workerd', 'deno'];
const inputs = Number(process.env.FUZZ_HTTP_INPUTS ?? 300);

describe.each(runtimes)(`fuzz: ${inputs} requests over HTTP to every function in %s`, (runtime) => {
  const vars = inject('devstackVars');
  const operatorToken = `operator-${randomUUID()}`;
  let running: RunningFunction[] = [];
  let targets: FuzzTarget[] = [];

  beforeAll(async () => {
    const specs = listFunctions();
    const ports = Object.fromEntries(
      await Promise.all(specs.map(async (spec) => [spec.name, await freePort()] as const)),
    );
    const url = (name: string) => `http://127.0.0.1:${ports[name]}`;
    running = await startFunctions(specs, {
      runtime,
      ports,
      log: () => {},
      vars: {
        ...vars,
        EDGEMESH_OPERATOR_TOKEN: operatorToken,
        EDGEMESH_RATE_LIMITS: JSON.stringify({ 'orders-per-customer': { limit: 1_000_000 } }),
        EDGEMESH_METRICS_PREFIX: `edgemesh:metrics:fuzz-${runtime}-${randomUUID()}`,
        ...Object.fromEntries(
          specs.map((s) => [`SERVICE_${s.name.toUpperCase()}_URL`, url(s.name)]),
        ),
      },
    });
    targets = (await inProcessTargets()).map((target) =>
      httpTarget({
        name: target.name,
        url: url(target.name),
        routes: target.routes,
        signingKey: vars.QSTASH_CURRENT_SIGNING_KEY!,
        operatorToken,
      }),
    );
  }, 180_000);

  afterAll(() => Promise.all(running.map((fn) => fn.stop())));

  it('answers none with 500 or more, and every error as problem+json', async () => {
    const report = await fuzz(targets, { inputs });
    expect(report.findings, `seed ${report.seed}`).toEqual([]);
    const succeeded = Object.entries(report.statuses)
      .filter(([status]) => status.startsWith('2'))
      .reduce((sum, [, count]) => sum + count, 0);
    expect(succeeded, JSON.stringify(report.statuses)).toBeGreaterThan(inputs * 0.1);
    expect(report.statuses[400] ?? 0).toBeGreaterThan(inputs * 0.1);
  }, 180_000);
});
