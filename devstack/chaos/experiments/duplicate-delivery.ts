import type { Experiment } from '../experiment.ts';
import { endRule, setRule } from '../target.ts';

const id = 'exp-duplicate-delivery';

export const experiment: Experiment = {
  name: 'duplicate-delivery',
  countsFaults: true,
  title: 'every QStash delivery arrives twice, at once',
  inject: (target, experiment) =>
    setRule(target, id, {
      experiment,
      fault: { kind: 'duplicate' },
    }),
  rollback: (target) => endRule(target, id),
};
