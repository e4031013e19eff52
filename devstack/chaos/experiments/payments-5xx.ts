import type { Experiment } from '../experiment.ts';
import { endRule, setRule } from '../target.ts';

const id = 'exp-payments-5xx';

export const experiment: Experiment = {
  name: 'payments-5xx',
  countsFaults: true,
  title: 'payments answers 503 to 30 % of its requests',
  inject: (target, experiment) =>
    setRule(target, id, {
      experiment,
      service: 'payments',
      route: '/payments/*',
      fault: { kind: 'error', status: 503 },
      percentage: 30,
    }),
  rollback: (target) => endRule(target, id),
};
