import type { Experiment } from '../experiment.ts';
import { endRule, setRule } from '../target.ts';

const id = 'exp-inventory-latency';

export const experiment: Experiment = {
  name: 'inventory-latency',
  title: '+500 ms on every call from orders to inventory',
  inject: (target) =>
    setRule(target, id, {
      service: 'orders',
      dependency: 'inventory',
      fault: { kind: 'latency', ms: 500, jitterMs: 50 },
    }),
  rollback: (target) => endRule(target, id),
};
