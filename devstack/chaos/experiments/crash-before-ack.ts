import type { Experiment } from '../experiment.ts';
import { endRule, setRule } from '../target.ts';

const id = 'exp-crash-before-ack';

export const experiment: Experiment = {
  name: 'crash-before-ack',
  countsFaults: true,
  title: '20 % of deliveries are handled and committed, then answered 500 (a crash before the ack)',
  inject: (target, experiment) =>
    setRule(target, id, {
      experiment,
      fault: { kind: 'drop-ack' },
      percentage: 20,
    }),
  rollback: (target) => endRule(target, id),
};
