export type { DiscardedTransaction, RedisBackend } from './backend.ts';
export type { Reply } from './reply.ts';
export type { Engine, EngineOptions } from './engine/engine.ts';
export { createEngine } from './engine/engine.ts';
export { embeddedRedisBackend } from './embedded-backend.ts';
export { startRedisBackend, type StartRedisBackendOptions } from './start-redis-backend.ts';
export {
  startUpstashEndpoint,
  upstashRestApp,
  type UpstashEndpoint,
  type UpstashEndpointOptions,
  type UpstashRestOptions,
} from './rest-endpoint.ts';
