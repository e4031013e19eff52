// wrangler.toml wires each function as its definition declares: a service binding for every
// function it calls (named as discovery looks it up), a Cron Trigger sweeping its outbox, Smart
// Placement, and a working scheduled() for the trigger.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { listFunctions, loadServices } from '../../../../devstack/functions/catalog.ts';
import { repoRoot } from '../../../../devstack/paths.ts';

interface WranglerEnv {
  name?: string;
  placement?: { mode?: string };
  services?: { binding: string; service: string }[];
  triggers?: { crons?: string[] };
}

const toml = parse(await readFile(join(repoRoot, 'wrangler.toml'), 'utf8')) as {
  env?: Record<string, WranglerEnv>;
  minify?: boolean;
};
const services = await loadServices(listFunctions());

describe.each(services.map((service) => [service.name, service] as const))(
  'wrangler.toml [env.%s]',
  (name, service) => {
    const env = toml.env?.[name] ?? {};

    it('binds every function of this repo it calls, by the name discovery looks up', () => {
      // A callee that is no function here (cart's `cart-peer`, the other region) keeps its URL.
      const expected = Object.keys(service.definition.calls ?? {})
        .filter((callee) => services.some((other) => other.name === callee))
        .sort()
        .map((callee) => ({
          binding: callee.toUpperCase().replaceAll('-', '_'),
          service: `edgemesh-${callee}`,
        }));
      const bindings = [...(env.services ?? [])].sort((a, b) => a.binding.localeCompare(b.binding));
      expect(bindings).toEqual(expected);
    });

    it('sweeps its outbox on a Cron Trigger exactly when it has one', () => {
      expect(env.triggers?.crons ?? []).toEqual(service.definition.outbox ? ['* * * * *'] : []);
      expect(typeof service.scheduled).toBe(service.definition.outbox ? 'function' : 'undefined');
    });

    it('runs under Smart Placement, near Neon and Upstash', () => {
      expect(env.placement?.mode).toBe('smart');
    });
  },
);

it('minifies every worker', () => {
  expect(toml.minify).toBe(true);
});
