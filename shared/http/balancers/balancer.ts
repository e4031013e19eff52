import type { Endpoint } from '../../discovery/endpoint.ts';

/** What a balancer may use to choose: a key for consistent hashing. */
export interface PickContext {
  /** E.g. a customer id; only consistent hashing uses it. */
  readonly key?: string | undefined;
}

/** Chooses one endpoint per attempt; some learn from observed latencies. */
export interface Balancer {
  /** One of `endpoints` (never empty). */
  pick(endpoints: readonly Endpoint[], context?: PickContext): Endpoint;
  /** Feedback after an attempt: latency in ms and whether it succeeded. */
  observe?(endpoint: Endpoint, latencyMs: number, ok: boolean): void;
}
