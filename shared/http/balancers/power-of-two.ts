import type { Balancer } from './balancer.ts';
import { latencyScores, type LatencyOptions } from './latency-score.ts';

/** Power of two choices: two endpoints at random, the one with the lower EWMA latency wins. */
export function powerOfTwoChoices({
  random = Math.random,
  ...options
}: LatencyOptions & { random?: () => number } = {}): Balancer {
  const scores = latencyScores(options);
  return {
    pick(endpoints) {
      if (endpoints.length === 1) return endpoints[0]!;
      const first = Math.floor(random() * endpoints.length);
      const second = (first + 1 + Math.floor(random() * (endpoints.length - 1))) % endpoints.length;
      const a = endpoints[first]!;
      const b = endpoints[second]!;
      return scores.score(b) < scores.score(a) ? b : a;
    },
    observe: scores.observe,
  };
}
