import type { Experiment } from '../experiment.ts';
import { experiment as crashBeforeAck } from './crash-before-ack.ts';
import { experiment as duplicateDelivery } from './duplicate-delivery.ts';
import { experiment as inventoryLatency } from './inventory-latency.ts';
import { experiment as payments5xx } from './payments-5xx.ts';
import { experiment as paymentsBlackholed } from './payments-blackholed.ts';
import { experiment as postgresRestart } from './postgres-restart.ts';
import { experiment as qstashRestart } from './qstash-restart.ts';
import { experiment as redisPartition } from './redis-partition.ts';
import { experiment as redisRestart } from './redis-restart.ts';

export const experiments: readonly Experiment[] = [
  payments5xx,
  inventoryLatency,
  paymentsBlackholed,
  duplicateDelivery,
  crashBeforeAck,
  postgresRestart,
  redisRestart,
  qstashRestart,
  redisPartition,
];
