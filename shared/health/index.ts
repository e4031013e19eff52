export {
  checkHealth,
  healthHandler,
  postgresCheck,
  redisCheck,
  storageHealthChecks,
  type HealthCheck,
  type HealthOptions,
  type HealthReport,
} from './health.ts';
