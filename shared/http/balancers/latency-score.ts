import { EdgeMeshError } from '../../errors/edgemesh-error.ts';
import type { Endpoint } from '../../discovery/endpoint.ts';

/** Options of EWMA latency tracking. */
export interface LatencyOptions {
  /** Weight of the newest sample, 0 < alpha ≤ 1. Default 0.3. */
  alpha?: number;
  /** Latency charged for a failed attempt, ms ≥ 0. Default 1,000. */
  failurePenaltyMs?: number;
}

/** Per-endpoint EWMA of latency; endpoints never seen score 0 so they get tried. */
export function latencyScores({ alpha = 0.3, failurePenaltyMs = 1_000 }: LatencyOptions = {}) {
  if (!(alpha > 0 && alpha <= 1))
    throw new EdgeMeshError('CONFIG', `EWMA alpha must be in (0, 1], got ${alpha}`);
  if (!(failurePenaltyMs >= 0)) throw new EdgeMeshError('CONFIG', `failurePenaltyMs must be ≥ 0`);
  const scores = new Map<string, number>();
  return {
    score: (endpoint: Endpoint) => scores.get(endpoint.url) ?? 0,
    observe: (endpoint: Endpoint, latencyMs: number, ok: boolean): void => {
      const sample = ok ? latencyMs : Math.max(latencyMs, failurePenaltyMs);
      const previous = scores.get(endpoint.url);
      scores.set(
        endpoint.url,
        previous === undefined ? sample : alpha * sample + (1 - alpha) * previous,
      );
    },
  };
}
