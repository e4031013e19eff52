import { join } from 'node:path';
import type { OpenApiDocument } from '../../shared/openapi/index.ts';
import { testService, type Service } from '../../shared/service/index.ts';
import { repoRoot } from '../paths.ts';

/** Where the checked-in documents live: `contracts/openapi/<function>.json`. */
export const contractsDir = join(repoRoot, 'contracts', 'openapi');

/** Every service a function may call is known, so routes that exist only then (orders' saga) show. */
function envFor(services: readonly Service[]): Record<string, string> {
  return Object.fromEntries(
    services.map((service) => [
      `SERVICE_${service.name.toUpperCase().replaceAll('-', '_')}_URL`,
      `http://${service.name}.test`,
    ]),
  );
}

/** Each function's OpenAPI document, as its `GET /openapi.json` answers it (built on memory adapters). */
export async function documentsOf(
  services: readonly Service[],
): Promise<Record<string, OpenApiDocument>> {
  const env = envFor(services);
  const entries = await Promise.all(
    services.map(async (service) => {
      const response = await testService(service, { env }).request('/openapi.json');
      if (!response.ok)
        throw new Error(`${service.name}: GET /openapi.json answered ${response.status}`);
      return [service.name, (await response.json()) as OpenApiDocument] as const;
    }),
  );
  return Object.fromEntries(entries);
}
