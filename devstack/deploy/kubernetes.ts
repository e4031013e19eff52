// The Kubernetes manifests of every function, derived from its definition: a Deployment running
// the container image (deploy/Dockerfile) with probes on /health, a Service, an HPA, a PDB and a
// NetworkPolicy admitting only the callers it declares (plus the ingress controller, for public
// routes and QStash deliveries). Its ConfigMap and Secret come from each overlay's generators.
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import type { ServiceDefinition } from '../../shared/service/index.ts';
import { callersOf, secretsOf } from './variables.ts';

type Declared = Pick<
  ServiceDefinition,
  'name' | 'access' | 'calls' | 'outbox' | 'subscriptions' | 'schedules'
>;

/** The port the container serves on (the Dockerfile's PORT). */
export const containerPort = 8000;
/** The label every pod of a function carries; NetworkPolicies select callers by it. */
export const appLabel = 'app.kubernetes.io/name';
/** Namespaces carrying this label (the ingress controller's) reach every function. */
export const ingressLabel = 'edgemesh.dev/ingress';

const readiness = {
  httpGet: { path: '/health', port: 'http' },
  periodSeconds: 10,
  timeoutSeconds: 3,
  failureThreshold: 3,
};

function deployment(definition: Declared) {
  const name = definition.name;
  return new Deployment({
    metadata: { name, labels: { [appLabel]: name } },
    spec: {
      selector: { matchLabels: { [appLabel]: name } },
      template: {
        metadata: { labels: { [appLabel]: name } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name,
              image: `edgemesh-${name}`,
              ports: [{ name: 'http', containerPort }],
              envFrom: [{ configMapRef: { name } }, { secretRef: { name: `${name}-secrets` } }],
              // /health answers 503 while Postgres or Redis is down: out of the Service, not
              // restarted, since a restart cannot bring them back.
              readinessProbe: readiness,
              livenessProbe: {
                tcpSocket: { port: 'http' },
                periodSeconds: 10,
                initialDelaySeconds: 10,
                failureThreshold: 6,
              },
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { memory: '256Mi' },
              },
              securityContext: {
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  });
}

function service(name: string) {
  return new Service({
    metadata: { name, labels: { [appLabel]: name } },
    spec: {
      selector: { [appLabel]: name },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    },
  });
}

function autoscaler(name: string) {
  return new HorizontalPodAutoscaler({
    metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
  });
}

function disruptionBudget(name: string) {
  return new PodDisruptionBudget({
    metadata: { name },
    spec: { minAvailable: 1, selector: { matchLabels: { [appLabel]: name } } },
  });
}

function networkPolicy(definition: Declared, all: readonly Declared[]) {
  const name = definition.name;
  return new NetworkPolicy({
    metadata: { name },
    spec: {
      podSelector: { matchLabels: { [appLabel]: name } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            ...callersOf(definition, all).map((caller) => ({
              podSelector: { matchLabels: { [appLabel]: caller } },
            })),
            { namespaceSelector: { matchLabels: { [ingressLabel]: 'true' } } },
          ],
          ports: [{ protocol: 'TCP', port: containerPort }],
        },
      ],
    },
  });
}

/** Every object of one function's base, in apply order. */
export function functionManifests(definition: Declared, all: readonly Declared[]) {
  return [
    deployment(definition),
    service(definition.name),
    autoscaler(definition.name),
    disruptionBudget(definition.name),
    networkPolicy(definition, all),
  ];
}

/** The secrets an overlay must provide for one function, as its `<name>.env` keys. */
export function secretKeysOf(definition: Declared): string[] {
  return secretsOf(definition);
}
