import type { Migration } from '../postgres/migrate.ts';
import { eventStoreTables } from './tables.ts';

/** Scope under which the event store's migrations are recorded in `schema_migrations`. */
export const eventStoreScope = 'event-store';

/**
 * The event store's tables in `schema` (default `public`): events with an `xid8` transaction id
 * for gap-free global reads, outbox, documents (read models), snapshots, checkpoints, idempotency.
 */
export function eventStoreMigrations(schema = 'public'): Migration[] {
  const t = eventStoreTables(schema);
  return [
    {
      version: 1,
      name: 'events, outbox, documents, snapshots, checkpoints, idempotency',
      statements: [
        `create schema if not exists "${t.schema}"`,
        `create table if not exists ${t.events} (
          global_position bigint generated always as identity primary key,
          transaction_id xid8 not null default pg_current_xact_id(),
          stream_id text not null,
          stream_type text not null,
          stream_version bigint not null,
          event_id uuid not null,
          type text not null,
          schema_version integer not null,
          data jsonb not null,
          metadata jsonb not null,
          occurred_at timestamptz not null,
          constraint es_events_stream_version unique (stream_id, stream_version)
        )`,
        `create index if not exists es_events_log on ${t.events} (transaction_id, global_position)`,
        `create table if not exists ${t.outbox} (
          id uuid primary key,
          position bigint generated always as identity,
          destination text not null,
          body jsonb not null,
          headers jsonb not null,
          created_at timestamptz not null default now(),
          attempts integer not null default 0,
          locked_until timestamptz,
          last_error text,
          published_at timestamptz
        )`,
        `create index if not exists es_outbox_pending on ${t.outbox} (position) where published_at is null`,
        `create table if not exists ${t.documents} (
          projection text not null,
          id text not null,
          version bigint not null,
          doc jsonb not null,
          updated_at timestamptz not null default now(),
          primary key (projection, id)
        )`,
        `create table if not exists ${t.snapshots} (
          stream_id text not null,
          name text not null,
          version bigint not null,
          state jsonb not null,
          primary key (stream_id, name)
        )`,
        `create table if not exists ${t.checkpoints} (
          name text primary key,
          transaction_id xid8 not null,
          global_position bigint not null,
          updated_at timestamptz not null default now()
        )`,
        `create table if not exists ${t.idempotency} (
          scope text not null,
          key text not null,
          request_hash text not null,
          stream_id text not null,
          created_at timestamptz not null default now(),
          primary key (scope, key)
        )`,
      ],
    },
  ];
}

/** The event store's migrations in the `public` schema, as the devstack and `npm run migrate` apply them. */
export const migrations: readonly Migration[] = eventStoreMigrations();
