import type pg from 'pg';
import { workflowTables } from '../workflow/sql.ts';

/** A quoted schema name; only [a-z0-9_] is accepted so it can be spliced into SQL. */
export function schemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`qstash schema "${schema}" must match [a-z_][a-z0-9_]*`);
  return `"${schema}"`;
}

/** Creates the server's tables in its own schema if they are missing (idempotent). */
export async function migrateSchema(pool: pg.Pool, schema: string): Promise<void> {
  const s = schemaName(schema);
  await pool.query(`
    create schema if not exists ${s};
    create table if not exists ${s}.messages (
      id text primary key,
      seq bigint not null,
      spec jsonb not null,
      body bytea not null,
      due_at bigint not null,
      retried int not null default 0,
      created_at bigint not null,
      not_before bigint not null
    );
    create table if not exists ${s}.dlq (
      dlq_id text primary key,
      seq bigserial,
      message_id text not null,
      spec jsonb not null,
      body bytea not null,
      retried int not null,
      created_at bigint not null,
      not_before bigint not null,
      failed_at bigint not null,
      response_status int not null,
      response_header jsonb not null,
      response_body text not null
    );
    create table if not exists ${s}.events (
      seq bigserial primary key,
      time bigint not null,
      state text not null,
      message_id text not null,
      data jsonb not null
    );
    create index if not exists events_message_id on ${s}.events (message_id);
    create table if not exists ${s}.dedup (
      key text primary key,
      response jsonb not null,
      expires_at bigint not null
    );
    create table if not exists ${s}.topics (
      name text primary key,
      endpoints jsonb not null,
      created_at bigint not null,
      updated_at bigint not null
    );
    create table if not exists ${s}.queues (
      name text primary key,
      parallelism int not null,
      paused boolean not null,
      created_at bigint not null,
      updated_at bigint not null
    );
    create table if not exists ${s}.schedules (
      id text primary key,
      cron text not null,
      destination text not null,
      spec jsonb not null,
      body bytea not null,
      delay_ms bigint not null,
      paused boolean not null,
      created_at bigint not null,
      next_at bigint not null,
      last_at bigint
    );
    ${workflowTables(s)}
  `);
}
