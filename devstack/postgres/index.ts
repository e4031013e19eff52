export {
  startPostgresBackend,
  type PostgresBackend,
  type PostgresBackendOptions,
} from './backend.ts';
export { startPgliteServer, type PgliteServer, type PgliteServerOptions } from './pglite.ts';
export { startNeonEndpoint, type NeonEndpoint, type NeonEndpointOptions } from './neon-endpoint.ts';
export { hostPolicy, isLoopbackHost, type HostPolicy } from './connection-target.ts';
