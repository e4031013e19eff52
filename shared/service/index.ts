export { defineService, type Service } from './define.ts';
export {
  serviceNamePattern,
  type SubscriptionDefinition,
  type RouteRef,
  type ScheduleDefinition,
  type ServiceDefinition,
  type ServiceRoutes,
} from './definition.ts';
export type {
  CallPolicy,
  CallingService,
  ConsumeOptions,
  ServiceClient,
  ServiceDeps,
  ServiceEnv,
  RateLimitOverride,
  ServiceAccess,
  ServiceOutbox,
} from './deps.ts';
export { operator, type Callers, type RefusalReason } from './access.ts';
export {
  productionSecretsOf,
  selfUrlVariable,
  serviceConfigSchema,
  toolkitVars,
} from './from-env.ts';
export {
  testService,
  testSigningKey,
  type TestService,
  type TestServiceOptions,
} from './testing.ts';
export { outboxSweepCron, topologyOf } from './topology.ts';
export {
  bodyField,
  clientAddress,
  memoryLimiters,
  upstashLimiters,
  type LimiterFactory,
  type LimitVerdict,
  type RateLimiter,
  type RateLimitRule,
} from './rate-limit.ts';
export { defaultInputLimits, type InputLimits } from './input-guard.ts';
export { consumeAck } from './toolkit-docs.ts';
