import type { Migration } from '../../shared/postgres/migrate.ts';

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'orders and idempotency keys',
    statements: [
      `create table if not exists orders (
        order_id text primary key,
        customer_id text not null,
        items jsonb not null,
        total bigint not null,
        currency text not null,
        status text not null,
        reason text,
        version integer not null,
        history jsonb not null,
        created_at timestamptz not null default now()
      )`,
      `create table if not exists idempotency_keys (
        scope text not null,
        key text not null,
        request_hash text not null,
        resource_id text not null,
        created_at timestamptz not null default now(),
        primary key (scope, key)
      )`,
    ],
  },
];
