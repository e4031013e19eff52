export { loadConfig } from './load.ts';
export { httpUrl, postgresUrl, storageVars, type StorageConfig } from './vars.ts';
