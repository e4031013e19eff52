import type { Endpoint } from './endpoint.ts';

/** Where a service's endpoints are found. */
export interface Registry {
  /** The live endpoints of `service`; empty when it has none. */
  resolve(service: string, signal?: AbortSignal): Promise<readonly Endpoint[]>;
  /** For registries that know their services up front (static, bindings): whether `service` is one. */
  knows?(service: string): boolean;
}

/** A registry instances write themselves into, each with a lease that lapses unless refreshed. */
export interface LeaseRegistry extends Registry {
  /** Adds or refreshes `endpoint` of `service` for `leaseMs` from now. */
  register(
    service: string,
    endpoint: Endpoint,
    leaseMs: number,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Same as register: extends the lease. */
  refresh(
    service: string,
    endpoint: Endpoint,
    leaseMs: number,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Removes `endpoint` (by URL) from `service` now. */
  deregister(service: string, url: string, signal?: AbortSignal): Promise<void>;
}
