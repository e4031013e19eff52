export {
  requestSigner,
  signatureHeader,
  verifyServiceAuth,
  type CallerVariables,
  type RequestSigner,
  type RequestSignerOptions,
  type VerifyServiceAuthOptions,
} from './auth.ts';
export {
  memoryReplayGuard,
  redisReplayGuard,
  type RedisReplayGuardOptions,
  type ReplayGuard,
  type ReplayRedis,
} from './replay-guard.ts';
export * from './balancers/index.ts';
export {
  deadlineHeader,
  deadlineMiddleware,
  forwardHeaders,
  type DeadlineMiddlewareOptions,
  type DeadlineVariables,
} from './deadline.ts';
export { fingerprint } from './fingerprint.ts';
export { noopPolicy, wrap, type Policy } from './policy.ts';
export { createRetryBudget, type RetryBudget, type RetryBudgetOptions } from './retry-budget.ts';
export {
  idempotentMethods,
  isRetryableError,
  retryableStatuses,
  retryPolicy,
  type RetryOptions,
} from './retry.ts';
export {
  createServiceClient,
  createServiceFetch,
  type AttemptObservation,
  type ServiceAttempt,
  type ServiceClientOptions,
} from './service-client.ts';
export { deadlinePolicy, timeoutPolicy } from './timeout.ts';
export { isUpstreamStatusError, parseRetryAfter, UpstreamStatusError } from './upstream-error.ts';
export { fieldIssues, validate } from './validate.ts';
export {
  describeInput,
  inputSchemaOf,
  type InputSchema,
  type InputTarget,
} from './input-schemas.ts';
export { keepAlive } from './keep-alive.ts';
export {
  badText,
  checkJson,
  defaultJsonLimits,
  jsonIssue,
  type JsonLimits,
} from './json-limits.ts';
export { resourceId, resourceIdPattern } from './resource-id.ts';
