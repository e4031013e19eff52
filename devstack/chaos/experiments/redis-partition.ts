import type { Experiment } from '../experiment.ts';
import { control } from '../target.ts';

export const experiment: Experiment = {
  name: 'redis-partition',
  title: 'the functions are cut off from Redis (fault proxy blackhole) for 5 s',
  needsControl: true,
  async inject(target) {
    await control(target, 'PUT', '/faults/redis', { blackhole: true, forMs: 5_000 });
  },
  async rollback(target) {
    await control(target, 'DELETE', '/faults/redis');
  },
};
