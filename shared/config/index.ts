export { loadConfig } from './load.ts';
export { httpUrl, postgresUrl, storageVars, type StorageConfig } from './vars.ts';
// Live settings. Adapters by path: upstash-store.ts, etcd-store.ts, store-from-env.ts,
// openfeature-provider.ts (pulls in @openfeature/core).
export {
  ConfigConflictError,
  isConfigConflict,
  type ConfigEntry,
  type ConfigStore,
  type ConfigWatchOptions,
} from './config-store.ts';
export { memoryConfigStore, type MemoryConfigStore } from './memory-store.ts';
export {
  createSettingsCache,
  type SettingsApplied,
  type SettingsCache,
  type SettingsCacheOptions,
  type SettingsRejected,
  type SettingsRevision,
} from './settings-cache.ts';
export { createSettingsAdmin, type SettingsAdmin } from './settings-admin.ts';
export {
  deepMerge,
  diffDocuments,
  type JsonValue,
  type SettingsChange,
  type SettingsDocument,
} from './settings-document.ts';
export { globalScope, settingsKey, type SettingsAudit } from './settings-envelope.ts';
export {
  evaluateFlag,
  flagSettings,
  flagsSettings,
  isFlagOn,
  rolloutBucket,
  type FlagSettings,
  type FlagsSettings,
} from './flags.ts';
