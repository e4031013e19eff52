import type { Experiment } from '../experiment.ts';
import { endRule, setRule } from '../target.ts';

const id = 'exp-inventory-latency';

export const experiment: Experiment = {
  name: 'inventory-latency',
  countsFaults: true,
  title: '+500 ms on every call from orders to inventory',
  inject: (target, experiment) =>
    setRule(target, id, {
      experiment,
      service: 'orders',
      dependency: 'inventory',
      fault: { kind: 'latency', ms: 500, jitterMs: 50 },
    }),
  rollback: (target) => endRule(target, id),
};
