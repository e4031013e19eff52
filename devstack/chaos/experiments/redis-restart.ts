import type { Experiment } from '../experiment.ts';
import { control } from '../target.ts';

export const experiment: Experiment = {
  name: 'redis-restart',
  title: 'Redis restarted when half the orders are placed',
  needsControl: true,
  async midway(target) {
    await control(target, 'POST', '/restarts/redis');
  },
  rollback: async () => {},
};
