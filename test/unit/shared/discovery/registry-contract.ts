// The one contract every lease registry passes: memory in unit tests, Upstash Redis in integration.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LeaseRegistry } from '../../../../shared/discovery/registry.ts';

export function leaseRegistryContract(
  name: string,
  make: () => { registry: LeaseRegistry; advance: (ms: number) => void },
): void {
  describe(`Registry contract: ${name}`, () => {
    const service = () => `svc-${randomUUID().slice(0, 8)}`;

    it('resolves an unknown service to no endpoints', async () => {
      expect(await make().registry.resolve(service())).toEqual([]);
    });

    it('returns registered endpoints with their weights', async () => {
      const { registry } = make();
      const s = service();
      await registry.register(s, { url: 'http://10.0.0.2:8787', weight: 3 }, 10_000);
      await registry.register(s, { url: 'http://10.0.0.1:8787', weight: 1 }, 10_000);
      expect(await registry.resolve(s)).toEqual([
        { url: 'http://10.0.0.1:8787', weight: 1 },
        { url: 'http://10.0.0.2:8787', weight: 3 },
      ]);
    });

    it('drops an endpoint whose lease lapsed and keeps one that was refreshed', async () => {
      const { registry, advance } = make();
      const s = service();
      await registry.register(s, { url: 'http://a:1', weight: 1 }, 1_000);
      await registry.register(s, { url: 'http://b:1', weight: 1 }, 1_000);
      advance(600);
      await registry.refresh(s, { url: 'http://b:1', weight: 1 }, 1_000);
      advance(600);
      expect((await registry.resolve(s)).map((e) => e.url)).toEqual(['http://b:1']);
    });

    it('forgets a deregistered endpoint at once', async () => {
      const { registry } = make();
      const s = service();
      await registry.register(s, { url: 'http://a:1', weight: 1 }, 10_000);
      await registry.deregister(s, 'http://a:1');
      expect(await registry.resolve(s)).toEqual([]);
    });
  });
}
