// Every guarded route of every function, called with no signature, a bad one, an expired one, a
// replayed one, the wrong caller's and the right caller's (or the operator's token).
import { describe, expect, it } from 'vitest';
import { listFunctions, loadServices } from '../../../../devstack/functions/catalog.ts';
import { requestSigner, signatureHeader } from '../../../../shared/http/index.ts';
import { operator, testService, type Service } from '../../../../shared/service/index.ts';

const secret = 'unit-service-auth-secret';
const operatorToken = 'unit-operator-token-of-24-chars';
const services = await loadServices(listFunctions());
const guarded = services.flatMap((service) =>
  Object.entries(service.definition.access ?? {}).map(([route, callers]) => ({
    service,
    route,
    callers: callers ?? [],
  })),
);

function requestOf(route: string) {
  const [method = 'GET', template = '/'] = route.split(' ');
  const path = template.replaceAll(/:(\w+)/g, 'x-1');
  const body = method === 'GET' ? undefined : '{}';
  return { method, path, body };
}

async function signedHeaders(
  route: string,
  caller: string,
  { signing = secret, ageMs = 0 }: { signing?: string; ageMs?: number } = {},
) {
  const { method, path, body } = requestOf(route);
  const signature = await requestSigner(signing, { caller, now: () => Date.now() - ageMs }).sign(
    method,
    path,
    body === undefined ? undefined : new TextEncoder().encode(body).buffer,
  );
  return { 'content-type': 'application/json', [signatureHeader]: signature };
}

function build(service: Service) {
  return testService(service, { authSecrets: [secret], operatorToken });
}

async function call(t: ReturnType<typeof build>, route: string, headers: Record<string, string>) {
  const { method, path, body } = requestOf(route);
  return t.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
}

describe.each(guarded)(
  '$service.name $route (callers: $callers)',
  ({ service, route, callers }) => {
    const allowed = callers.find((caller) => caller !== operator);
    const stranger = ['orders', 'payments', 'inventory', 'shipping'].find(
      (s) => !callers.includes(s),
    )!;

    it('answers 401 problem+json without a signature, with a forged or an expired one', async () => {
      const t = build(service);
      const cases = [
        { 'content-type': 'application/json' },
        {
          ...(await signedHeaders(route, allowed ?? 'orders', {
            signing: 'not-the-secret-at-all',
          })),
        },
        { ...(await signedHeaders(route, allowed ?? 'orders', { ageMs: 120_000 })) },
        { 'content-type': 'application/json', [signatureHeader]: 't=1,v2=abc' },
      ];
      for (const headers of cases) {
        const response = await call(t, route, headers);
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
      }
      const metrics = await (await t.request('/metrics')).text();
      expect(metrics).toMatch(/edgemesh_access_refused_total\{[^}]*reason="invalid"[^}]*\} 1/);
    });

    it('answers 403 to a signed caller it does not list', async () => {
      const t = build(service);
      const response = await call(t, route, await signedHeaders(route, stranger));
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'FORBIDDEN', caller: stranger });
    });
  },
);

describe.each(guarded.filter(({ callers }) => callers.some((caller) => caller !== operator)))(
  '$service.name $route, called by a service it lists',
  ({ service, route, callers }) => {
    it('lets the listed caller in once, and refuses a replay', async () => {
      const t = build(service);
      const headers = await signedHeaders(
        route,
        callers.find((caller) => caller !== operator)!,
      );
      const first = await call(t, route, headers);
      expect([401, 403]).not.toContain(first.status);
      const replayed = await call(t, route, headers);
      expect(replayed.status).toBe(401);
    });
  },
);

describe.each(guarded.filter(({ callers }) => callers.includes(operator)))(
  '$service.name $route, called by the operator',
  ({ service, route }) => {
    it('lets the operator token in, and no other token', async () => {
      const t = build(service);
      const right = await call(t, route, {
        'content-type': 'application/json',
        authorization: `Bearer ${operatorToken}`,
      });
      expect([401, 403]).not.toContain(right.status);
      const wrong = await call(t, route, {
        'content-type': 'application/json',
        authorization: 'Bearer not-the-operator-token-at-all',
      });
      expect(wrong.status).toBe(401);
    });
  },
);

describe('access without secrets', () => {
  it('lets every caller in when no secret is configured (development)', async () => {
    const inventory = services.find((service) => service.name === 'inventory')!;
    const t = testService(inventory);
    const response = await t.send('PUT', '/stock/kettle', { available: 1 });
    expect(response.status).toBe(200);
  });
});
