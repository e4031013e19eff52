import type { Experiment } from '../experiment.ts';
import { endRule, expiresIn, setRule } from '../target.ts';

const id = 'exp-redis-partition';
/** How long orders stays cut off; the rule's own window, so the partition ends by itself. */
const partitionMs = 20_000;

export const experiment: Experiment = {
  name: 'redis-partition',
  countsFaults: true,
  title: `orders cut off from Redis for ${partitionMs / 1000} s (every other function keeps it)`,
  // A rule at orders' Redis seam (breakers, rate limits, the replay guard): the other functions
  // and the shared Redis stay as they are, which a proxy in front of the one Redis cannot do.
  inject: (target) =>
    setRule(target, id, {
      service: 'orders',
      dependency: 'redis',
      fault: { kind: 'fail' },
      expiresAt: expiresIn(partitionMs),
    }),
  rollback: (target) => endRule(target, id),
};
