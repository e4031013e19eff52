export type { Balancer, PickContext } from './balancer.ts';
export { consistentHash } from './consistent-hash.ts';
export { leastLatency } from './least-latency.ts';
export type { LatencyOptions } from './latency-score.ts';
export { powerOfTwoChoices } from './power-of-two.ts';
export { randomBalancer } from './random.ts';
export { roundRobin } from './round-robin.ts';
export { weightedBalancer } from './weighted.ts';
