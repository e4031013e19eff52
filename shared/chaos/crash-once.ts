import type { SagaFaultPoint, SagaFaults } from '../saga/index.ts';

/** The saga points a crash can be injected at. */
export const sagaFaultPoints: readonly SagaFaultPoint[] = [
  'before-action',
  'after-action',
  'after-commit',
  'before-ack',
  'before-inline',
];

/**
 * Crashes once per (saga, message kind, step, point): a handler that dies at that point and is
 * delivered again, to prove a saga survives it. Tests and chaos runs only.
 * @example createSagaOrchestrator({ ..., faults: crashOnce(['after-commit']) })
 */
export function crashOnce(points: readonly SagaFaultPoint[]): SagaFaults {
  const crashed = new Set<string>();
  return function injectCrash(point, at) {
    if (!points.includes(point)) return;
    const key = `${point}:${at.sagaId}:${at.kind}:${at.index ?? '-'}`;
    if (crashed.has(key)) return;
    crashed.add(key);
    throw new Error(`injected crash at ${key}`);
  };
}

/**
 * Parses `SAGA_FAULTS` (comma-separated fault points) into a crash-once hook; undefined when
 * empty. Throws on an unknown point.
 */
export function sagaFaultsFromList(list: string | undefined): SagaFaults | undefined {
  const points = (list ?? '')
    .split(',')
    .map((point) => point.trim())
    .filter(Boolean);
  if (points.length === 0) return undefined;
  const unknown = points.filter((point) => !sagaFaultPoints.includes(point as SagaFaultPoint));
  if (unknown.length > 0) throw new Error(`unknown saga fault points: ${unknown.join(', ')}`);
  return crashOnce(points as SagaFaultPoint[]);
}
