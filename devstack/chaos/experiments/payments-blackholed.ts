import type { Experiment } from '../experiment.ts';
import { endRule, setRule } from '../target.ts';

const id = 'exp-payments-blackholed';

export const experiment: Experiment = {
  name: 'payments-blackholed',
  countsFaults: true,
  title: 'calls from orders to payments never answer (the breaker opens; orders end cancelled)',
  inject: (target, experiment) =>
    setRule(target, id, {
      experiment,
      service: 'orders',
      dependency: 'payments',
      fault: { kind: 'abort' },
    }),
  rollback: (target) => endRule(target, id),
};
