import type { Experiment } from '../experiment.ts';
import { control } from '../target.ts';

export const experiment: Experiment = {
  name: 'postgres-restart',
  title: 'Postgres restarted when half the orders are placed',
  needsControl: true,
  async midway(target) {
    await control(target, 'POST', '/restarts/postgres');
  },
  rollback: async () => {},
};
