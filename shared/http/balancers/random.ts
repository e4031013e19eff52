import type { Balancer } from './balancer.ts';

/** Picks uniformly at random; `random` returns [0, 1). Default `Math.random`. */
export function randomBalancer({ random = Math.random }: { random?: () => number } = {}): Balancer {
  return {
    pick: (endpoints) => endpoints[Math.floor(random() * endpoints.length)]!,
  };
}
