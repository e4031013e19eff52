// Every function of the repository built as production builds it, on memory adapters
// (testService), calling one another in process: the fuzz suite's fastest target.
import { listFunctions, loadServices } from '../../devstack/functions/catalog.ts';
import { deadLetterEventType } from '../../shared/queue/index.ts';
import { testService, type TestService } from '../../shared/service/index.ts';
import { logStart, type LogPosition } from '../../shared/event-store/index.ts';
import type { FuzzCase } from './cases.ts';
import { fuzzRoutes } from './routes.ts';
import type { FuzzTarget } from './run.ts';

export const fuzzOperatorToken = 'fuzz-operator-token';

function requestInit(input: FuzzCase): RequestInit {
  return {
    method: input.route.method,
    headers: {
      ...input.headers,
      ...(input.operator ? { authorization: `Bearer ${fuzzOperatorToken}` } : {}),
    },
    ...(input.body === undefined ? {} : { body: input.body as BodyInit }),
  };
}

function writeCounter(t: TestService) {
  let after: LogPosition = logStart;
  let outboxRows = 0;
  return async () => {
    await t.settle();
    let written = 0;
    for (;;) {
      const fresh = await t.events.readAll({ after, limit: 1000 });
      if (fresh.length === 0) break;
      written += fresh.filter((event) => event.type !== deadLetterEventType).length;
      after = fresh[fresh.length - 1]!.position;
    }
    const rows = t.events.outboxRows().length;
    written += rows - outboxRows;
    outboxRows = rows;
    return written;
  };
}

/** One target per function, each with its routes and a count of its writes. */
export async function inProcessTargets(): Promise<FuzzTarget[]> {
  const services = await loadServices(listFunctions());
  const urls = Object.fromEntries(
    services.map((s) => [`SERVICE_${s.name.toUpperCase()}_URL`, `http://${s.name}.test`]),
  );
  const hosts = new Map<string, TestService>();
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const host = hosts.get(url.host);
    if (!host) return Promise.resolve(new Response(null, { status: 200 }));
    return host.request(url.pathname + url.search, init);
  };
  return services.map((service) => {
    const rateLimits = Object.fromEntries(
      Object.values(service.definition.rateLimits ?? {})
        .flat()
        .map((rule) => [rule!.name, { limit: 1_000_000_000 }]),
    );
    const t = testService(service, {
      env: urls,
      fetch,
      operatorToken: fuzzOperatorToken,
      rateLimits,
    });
    hosts.set(`${service.name}.test`, t);
    return {
      name: service.name,
      routes: fuzzRoutes(t.app),
      writes: writeCounter(t),
      send: (input: FuzzCase) =>
        input.signed && typeof input.body === 'string'
          ? t.deliver(input.target, input.body, { headers: input.headers })
          : t.request(input.target, requestInit(input)),
    };
  });
}
