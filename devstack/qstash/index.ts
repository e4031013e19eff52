export { startQstashServer, type QstashServer, type QstashServerOptions } from './server.ts';
export { devCredentials, devPort } from './credentials.ts';
