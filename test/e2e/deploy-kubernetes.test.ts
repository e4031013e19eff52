// deploy/kubernetes: generated from the definitions (so it cannot drift), rendered per overlay
// with kustomize (kubectl), every object valid against the Kubernetes schemas.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kubernetesFiles } from '../../devstack/deploy/kubernetes-files.ts';
import { listFunctions, loadServices } from '../../devstack/functions/catalog.ts';
import { repoRoot } from '../../devstack/paths.ts';
import { stringify } from 'yaml';

const run = promisify(execFile);
const models: Record<string, new (data: never) => { validate(): void }> = {
  Deployment,
  HorizontalPodAutoscaler,
  NetworkPolicy,
  PodDisruptionBudget,
  ConfigMap,
  Secret,
  Service,
};
const hasKubectl = await run('kubectl', ['version', '--client']).then(
  () => true,
  () => false,
);
const definitions = (await loadServices(listFunctions())).map((service) => service.definition);
const scratch = await mkdtemp(join(tmpdir(), 'edgemesh-kustomize-'));

afterAll(() => rm(scratch, { recursive: true, force: true }));

interface KubeObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}

/** Renders an overlay in a copy whose secrets/<name>.env are filled from the examples. */
async function render(environment: string): Promise<KubeObject[]> {
  const root = join(scratch, environment);
  await cp(join(repoRoot, 'deploy/kubernetes'), root, { recursive: true });
  const secrets = join(root, 'overlays', environment, 'secrets');
  for (const file of (await readdir(secrets)).filter((name) => name.endsWith('.env.example'))) {
    const example = await readFile(join(secrets, file), 'utf8');
    await writeFile(join(secrets, file.replace('.example', '')), example.replaceAll(/=$/gm, '=x'));
  }
  const { stdout } = await run('kubectl', ['kustomize', join(root, 'overlays', environment)]);
  return parseAllDocuments(stdout).map((document) => document.toJSON() as KubeObject);
}

it('deploy/kubernetes is what npm run deploy:kubernetes writes from the definitions', async () => {
  for (const [path, text] of Object.entries(kubernetesFiles(definitions, stringify))) {
    expect(await readFile(join(repoRoot, path), 'utf8'), path).toBe(text);
  }
});

describe.each(['staging', 'production'])('the %s overlay, rendered by kustomize', (environment) => {
  const rendered = hasKubectl ? render(environment) : Promise.resolve([]);

  it.skipIf(!hasKubectl)(
    'is valid against the Kubernetes schemas (skipped: no kubectl)',
    async () => {
      const objects = await rendered;
      expect(objects.length).toBe(definitions.length * 7);
      for (const object of objects) {
        const Model = models[object.kind];
        expect(Model, object.kind).toBeDefined();
        expect(
          () => new Model!(object as never).validate(),
          `${object.kind} ${object.metadata.name}`,
        ).not.toThrow();
        expect(object.metadata.namespace).toBe(`edgemesh-${environment}`);
      }
    },
  );

  it.skipIf(!hasKubectl)(
    'admits to each function only the callers it declares, and the ingress (skipped: no kubectl)',
    async () => {
      const policies = (await rendered).filter((object) => object.kind === 'NetworkPolicy');
      const admitted = (name: string) => {
        const policy = policies.find((object) => object.metadata.name === name)!;
        const from = (policy.spec!.ingress as { from: Record<string, unknown>[] }[])[0]!.from;
        return from.map((peer) =>
          peer.podSelector
            ? (peer.podSelector as { matchLabels: Record<string, string> }).matchLabels[
                'app.kubernetes.io/name'
              ]
            : 'ingress',
        );
      };
      expect(admitted('payments')).toEqual(['orders', 'ingress']);
      expect(admitted('inventory')).toEqual(['orders', 'ingress']);
      expect(admitted('orders')).toEqual(['cart', 'ingress']);
    },
  );
});
