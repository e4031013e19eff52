export { bindingRegistry, type BindingRegistryOptions } from './bindings.ts';
export { cachedRegistry, type CachedRegistryOptions } from './cache.ts';
export {
  assertServiceName,
  parseEndpoint,
  serviceNamePattern,
  type Endpoint,
  type FetcherLike,
} from './endpoint.ts';
export { fallbackRegistry } from './fallback.ts';
export { memoryRegistry } from './memory.ts';
export type { LeaseRegistry, Registry } from './registry.ts';
export {
  firstServiceUrl,
  serviceOfVariable,
  serviceUrlsFromEnv,
  serviceUrlVariable,
  staticRegistry,
} from './static.ts';
