import type { Experiment } from '../experiment.ts';
import { endRule, setRule } from '../target.ts';

const id = 'exp-duplicate-delivery';

export const experiment: Experiment = {
  name: 'duplicate-delivery',
  title: 'every QStash delivery arrives twice, at once',
  inject: (target) => setRule(target, id, { fault: { kind: 'duplicate' } }),
  rollback: (target) => endRule(target, id),
};
