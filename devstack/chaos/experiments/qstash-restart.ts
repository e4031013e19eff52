import type { Experiment } from '../experiment.ts';
import { control } from '../target.ts';

export const experiment: Experiment = {
  name: 'qstash-restart',
  title: 'the local QStash restarted when half the orders are placed',
  needsControl: true,
  async midway(target) {
    await control(target, 'POST', '/restarts/qstash');
  },
  rollback: async () => {},
};
