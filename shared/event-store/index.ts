export type {
  Aggregate,
  AggregateOptions,
  AppendOptions,
  AppendResult,
  CallOptions,
  ClaimOutboxOptions,
  CommitProjectionOptions,
  DocumentWrite,
  EventMetadata,
  EventSchemas,
  EventStore,
  ExpectedVersion,
  IdempotencyClaim,
  LogPosition,
  NewEvent,
  OutboxMessage,
  OutboxRecord,
  QueryTracer,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoredDocument,
} from './event-store.ts';
export { logStart } from './event-store.ts';
export { ConcurrencyError, isConcurrencyError } from './concurrency-error.ts';
export { eventStoreLimits } from './prepare.ts';
export { memoryEventStore, type MemoryEventStoreOptions } from './memory.ts';
export { postgresEventStore, type PostgresEventStoreOptions } from './postgres.ts';
export type { SqlExecutor } from './sql-executor.ts';
export { eventStoreMigrations, eventStoreScope } from './migrations.ts';
export { tracedEventStore } from './traced.ts';
export type { AppendBatchingOptions } from './append-batcher.ts';
export { statementNamer } from './statement-names.ts';
export {
  neonHttpEventStore,
  neonHttpExecutor,
  neonPoolEventStore,
  neonPoolExecutor,
  type PoolExecutorOptions,
  type PoolLike,
} from './neon.ts';
export {
  memoryPublisher,
  type MemoryPublisher,
  type OutboxMessageToPublish,
  type OutboxPublisher,
} from './publisher.ts';
export {
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayOptions,
  type RelayReport,
  type SweepOptions,
} from './outbox-relay.ts';
export {
  runProjection,
  type DocumentProjection,
  type ProjectionRun,
  type RunProjectionOptions,
} from './projections.ts';
export {
  commandHandler,
  turnstile,
  type CommandHandler,
  type CommandHandlerOptions,
  type CommandResult,
  type Decide,
  type Decider,
  type Decision,
  type HandleOptions,
  type KnownState,
} from './command-handler.ts';
