import type pg from 'pg';
import type { EventRecord } from '../events.ts';
import type { DeadLetter, PendingMessage } from '../message.ts';
import { schemaName } from './schema.ts';
import { workflowCtes, workflowParams, type WorkflowWrites } from '../workflow/sql.ts';

/** A publish's claim on a deduplication key, written in the statement that inserts its messages. */
export interface DedupClaim {
  key: string;
  /** The publish's answer, given again (marked deduplicated) to a duplicate within the window. */
  response: unknown;
  /** Until when the key is held, unix ms. */
  expiresAt: number;
  /** Unix ms: a key held only until this or earlier is free again. */
  nowMs: number;
  /** Messages (and their events) written only if the key is claimed. */
  messageIds: string[];
}

/** What a write learned: the keys it claimed, and the earlier answers of keys still held. */
export interface WriteOutcome {
  claimed: ReadonlySet<string>;
  /** Keys not claimed, with the answer of the publish holding them (when it was visible). */
  held: ReadonlyMap<string, unknown>;
}

const noClaims: WriteOutcome = { claimed: new Set(), held: new Map() };

/** Every durable change of the hot path; applied as one statement, so all or nothing. */
export interface WriteBatch extends WorkflowWrites {
  /** Deduplication keys to claim; at most one claim per key in a batch. */
  claims: DedupClaim[];
  inserts: PendingMessage[];
  /** Acknowledged or cancelled messages. */
  deletes: string[];
  retries: Array<{ id: string; retried: number; dueAt: number }>;
  deadLetters: DeadLetter[];
  /** DLQ entries taken out (retried from the DLQ). */
  dlqDeletes: string[];
  scheduleRuns: Array<{ id: string; nextAt: number; lastAt: number }>;
  events: EventRecord[];
}

/** An empty batch. */
export function emptyBatch(): WriteBatch {
  return {
    claims: [],
    inserts: [],
    deletes: [],
    retries: [],
    deadLetters: [],
    dlqDeletes: [],
    scheduleRuns: [],
    events: [],
    workflowRuns: [],
    workflowSteps: [],
    waiters: [],
    waiterDeletes: [],
    lookbacks: [],
    lookbackDeletes: [],
  };
}

/** Appends `part` to `into`. */
export function mergeBatch(into: WriteBatch, part: Partial<WriteBatch>): void {
  for (const key of Object.keys(part) as Array<keyof WriteBatch>) {
    const items = part[key];
    if (items) (into[key] as unknown[]).push(...items);
  }
}

/** Whether the batch changes anything. */
export function isEmptyBatch(batch: WriteBatch): boolean {
  return Object.values(batch).every((items: unknown[]) => items.length === 0);
}

/**
 * One parameterised statement with a data-modifying CTE per kind of change; always the same
 * text, so it is prepared once per connection. Messages and events tied to a deduplication
 * claim are written only if the claim wins; it returns the keys claimed and, for the others, the
 * answers stored with them.
 */
export function applyStatement(schema: string): string {
  const s = schemaName(schema);
  return `with
    claims as (insert into ${s}.dedup (key, response, expires_at)
      select * from unnest($32::text[], $33::jsonb[], $34::bigint[])
      on conflict (key) do update set response = excluded.response, expires_at = excluded.expires_at
      where ${s}.dedup.expires_at <= $35 returning key),
    ins as (insert into ${s}.messages (id, seq, spec, body, due_at, retried, created_at, not_before)
      select m.id, m.seq, m.spec, m.body, m.due_at, m.retried, m.created_at, m.not_before
      from unnest($1::text[], $2::bigint[], $3::jsonb[], $4::bytea[], $5::bigint[], $6::int[], $7::bigint[], $8::bigint[], $36::text[])
        as m(id, seq, spec, body, due_at, retried, created_at, not_before, claim)
      where m.claim is null or m.claim in (select key from claims)),
    del as (delete from ${s}.messages where id = any($9::text[])),
    upd as (update ${s}.messages m set retried = u.retried, due_at = u.due_at
      from unnest($10::text[], $11::int[], $12::bigint[]) as u(id, retried, due_at) where m.id = u.id),
    dead as (delete from ${s}.messages where id = any($13::text[])),
    dlq as (insert into ${s}.dlq (dlq_id, message_id, spec, body, retried, created_at, not_before, failed_at, response_status, response_header, response_body)
      select * from unnest($14::text[], $13::text[], $15::jsonb[], $16::bytea[], $17::int[], $18::bigint[], $19::bigint[], $20::bigint[], $21::int[], $22::jsonb[], $23::text[])),
    undlq as (delete from ${s}.dlq where dlq_id = any($24::text[])),
    sched as (update ${s}.schedules c set next_at = u.next_at, last_at = u.last_at
      from unnest($25::text[], $26::bigint[], $27::bigint[]) as u(id, next_at, last_at) where c.id = u.id),
    ev as (insert into ${s}.events (time, state, message_id, data)
      select e.time, e.state, e.message_id, e.data
      from unnest($28::bigint[], $29::text[], $30::text[], $31::jsonb[], $37::text[])
        as e(time, state, message_id, data, claim)
      where e.claim is null or e.claim in (select key from claims)),${workflowCtes(s, 38)}
    select (select coalesce(array_agg(key), '{}') from claims) as claimed,
      (select json_object_agg(key, response) from ${s}.dedup
        where key = any($32::text[]) and key not in (select key from claims)) as held`;
}

/** The statement's parameters for `batch`. */
export function applyParams(batch: WriteBatch): unknown[] {
  const deletes = [...new Set(batch.deletes)];
  const gone = new Set([...deletes, ...batch.deadLetters.map((dead) => dead.id)]);
  const retries = batch.retries.filter((retry) => !gone.has(retry.id));
  const dead = batch.deadLetters.filter((entry) => !deletes.includes(entry.id));
  const claimOf = new Map<string, string>();
  for (const claim of batch.claims) for (const id of claim.messageIds) claimOf.set(id, claim.key);
  return [
    batch.inserts.map((m) => m.id),
    batch.inserts.map((m) => m.seq),
    batch.inserts.map((m) => JSON.stringify(m.spec)),
    batch.inserts.map((m) => m.body),
    batch.inserts.map((m) => m.dueAt),
    batch.inserts.map((m) => m.retried),
    batch.inserts.map((m) => m.createdAt),
    batch.inserts.map((m) => m.notBefore),
    deletes,
    retries.map((r) => r.id),
    retries.map((r) => r.retried),
    retries.map((r) => Math.round(r.dueAt)),
    dead.map((d) => d.id),
    dead.map((d) => d.dlqId),
    dead.map((d) => JSON.stringify(d.spec)),
    dead.map((d) => d.body),
    dead.map((d) => d.retried),
    dead.map((d) => d.createdAt),
    dead.map((d) => d.notBefore),
    dead.map((d) => d.failedAt),
    dead.map((d) => d.responseStatus),
    dead.map((d) => JSON.stringify(d.responseHeader)),
    dead.map((d) => d.responseBody),
    batch.dlqDeletes,
    batch.scheduleRuns.map((r) => r.id),
    batch.scheduleRuns.map((r) => r.nextAt),
    batch.scheduleRuns.map((r) => r.lastAt),
    batch.events.map((e) => e.time),
    batch.events.map((e) => e.state),
    batch.events.map((e) => e.messageId),
    batch.events.map((e) => JSON.stringify(e.data)),
    batch.claims.map((c) => c.key),
    batch.claims.map((c) => JSON.stringify(c.response)),
    batch.claims.map((c) => c.expiresAt),
    batch.claims.reduce((latest, c) => Math.max(latest, c.nowMs), 0),
    batch.inserts.map((m) => claimOf.get(m.id) ?? null),
    batch.events.map((e) => claimOf.get(e.messageId) ?? null),
    ...workflowParams(batch),
  ];
}

/**
 * Applies batches in one round trip each, as a named prepared statement. PGlite serves every
 * connection from one session, where a second connection's PREPARE of the same name fails
 * (42P05); then the store falls back to unnamed statements. The Parse fails before anything
 * runs, so a batch sent named is sent again unnamed, also when another batch in flight at the
 * same time already made the switch.
 */
export function createBatchApplier(pool: pg.Pool, schema: string) {
  const text = applyStatement(schema);
  const name = `qstash_apply_${schema}`;
  let prepared = true;
  type Row = { claimed: string[]; held: Record<string, unknown> | null };
  const run = async (values: unknown[]) => {
    const named = prepared;
    try {
      return await pool.query<Row>(named ? { name, text, values } : { text, values });
    } catch (error) {
      if (!named || (error as { code?: string }).code !== '42P05') throw error;
      prepared = false;
      return await pool.query<Row>({ text, values });
    }
  };
  return async (batch: WriteBatch, signal?: AbortSignal): Promise<WriteOutcome> => {
    signal?.throwIfAborted();
    const { rows } = await run(applyParams(batch));
    if (batch.claims.length === 0) return noClaims;
    return {
      claimed: new Set(rows[0]?.claimed ?? []),
      held: new Map(Object.entries(rows[0]?.held ?? {})),
    };
  };
}

/**
 * Coalesces writes: up to `concurrency` batches are written at once (one connection each), and a
 * change submitted while they are all busy goes into the next batch, so under load each round
 * trip carries many changes while an idle server writes at once. A change claiming a key that a
 * change in the open batch claims too waits for the batch after it, where it finds the key held.
 */
export function createWriteBatcher(
  apply: (batch: WriteBatch) => Promise<WriteOutcome>,
  concurrency = 2,
) {
  type Waiter = { resolve: (outcome: WriteOutcome) => void; reject: (error: unknown) => void };
  let pending = emptyBatch();
  let waiters: Waiter[] = [];
  let pendingKeys = new Set<string>();
  let deferred: Array<{ part: Partial<WriteBatch>; waiter: Waiter }> = [];
  const running = new Set<Promise<void>>();
  let lazyTimer: NodeJS.Timeout | undefined;

  const add = (part: Partial<WriteBatch>, waiter: Waiter) => {
    if (part.claims?.some((claim) => pendingKeys.has(claim.key))) {
      deferred.push({ part, waiter });
      return;
    }
    for (const claim of part.claims ?? []) pendingKeys.add(claim.key);
    mergeBatch(pending, part);
    waiters.push(waiter);
  };

  const flushOne = async () => {
    const batch = pending;
    const settled = waiters;
    pending = emptyBatch();
    waiters = [];
    pendingKeys = new Set();
    const later = deferred;
    deferred = [];
    for (const { part, waiter } of later) add(part, waiter);
    try {
      const outcome = await apply(batch);
      for (const waiter of settled) waiter.resolve(outcome);
    } catch (error) {
      for (const waiter of settled) waiter.reject(error);
    }
  };
  const kick = () => {
    if (lazyTimer) {
      clearTimeout(lazyTimer);
      lazyTimer = undefined;
    }
    if (running.size >= concurrency || isEmptyBatch(pending)) return;
    const run: Promise<void> = flushOne().finally(() => {
      running.delete(run);
      kick();
    });
    running.add(run);
  };

  return {
    /**
     * Writes `part` durably; resolves once it is committed, with the outcome of the batch it went
     * in (which of its claims won).
     */
    write(part: Partial<WriteBatch>): Promise<WriteOutcome> {
      const done = new Promise<WriteOutcome>((resolve, reject) => add(part, { resolve, reject }));
      kick();
      return done;
    },
    /** Queues log rows without forcing a round trip; they go with the next write or soon after. */
    log(events: WriteBatch['events']): void {
      pending.events.push(...events);
      if (running.size === 0 && !lazyTimer) lazyTimer = setTimeout(kick, 50);
    },
    /** Writes everything queued so far and waits for writes in progress. */
    async flush(): Promise<void> {
      while (!isEmptyBatch(pending) || deferred.length > 0 || running.size > 0) {
        if (!isEmptyBatch(pending)) await this.write({});
        await Promise.all([...running]);
      }
    },
  };
}

/** The write side of the store. */
export type WriteBatcher = ReturnType<typeof createWriteBatcher>;
