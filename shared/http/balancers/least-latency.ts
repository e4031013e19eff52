import type { Balancer } from './balancer.ts';
import { latencyScores, type LatencyOptions } from './latency-score.ts';

/** Picks the endpoint with the lowest EWMA latency (failures count as `failurePenaltyMs`). */
export function leastLatency(options: LatencyOptions = {}): Balancer {
  const scores = latencyScores(options);
  return {
    pick(endpoints) {
      let best = endpoints[0]!;
      for (const endpoint of endpoints)
        if (scores.score(endpoint) < scores.score(best)) best = endpoint;
      return best;
    },
    observe: scores.observe,
  };
}
