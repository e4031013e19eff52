import { createBreaker, type Breaker, type CreateBreakerOptions } from './breaker.ts';

/** Options shared by every breaker of a set; the scope is added per service/endpoint. */
export type BreakerSetOptions = Omit<CreateBreakerOptions, 'scope' | 'force'> & {
  /** Operator overrides by service name (see `CreateBreakerOptions.force`). Default none. */
  forced?: Readonly<Record<string, 'open' | 'closed'>> | undefined;
};

/** Breakers scoped per service, and optionally per endpoint, created on first use. */
export interface BreakerSet {
  /** The breaker of `service`, or of one endpoint of it when `endpoint` is given. */
  get(service: string, endpoint?: string): Breaker;
  /** Every breaker created so far. */
  all(): readonly Breaker[];
}

/** The scope string of a service or of one of its endpoints. */
export function breakerScope(service: string, endpoint?: string): string {
  return endpoint ? `${service} ${endpoint}` : service;
}

/**
 * A memoised set of breakers (one per scope) sharing a store and options.
 * @example const breakers = createBreakerSet({ store, waitUntil }); breakers.get('inventory').execute(call)
 */
export function createBreakerSet({ forced = {}, ...options }: BreakerSetOptions): BreakerSet {
  // Validate options once, at construction, rather than on the first call.
  createBreaker({ ...options, scope: 'validation' });
  const breakers = new Map<string, Breaker>();
  return {
    get(service, endpoint) {
      const scope = breakerScope(service, endpoint);
      let breaker = breakers.get(scope);
      if (!breaker) {
        breaker = createBreaker({ ...options, scope, force: forced[service] });
        breakers.set(scope, breaker);
      }
      return breaker;
    },
    all: () => [...breakers.values()],
  };
}
