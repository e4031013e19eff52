import { EdgeMeshError, type FieldIssue } from '../errors/edgemesh-error.ts';
import { fieldIssues } from '../http/validate.ts';
import type {
  AppendOptions,
  EventMetadata,
  EventSchemas,
  ExpectedVersion,
  NewEvent,
} from './event-store.ts';
import { isTraceparent } from '../telemetry/traceparent.ts';

/** Length limits, in characters, enforced before anything is written. */
export const eventStoreLimits = {
  streamId: 200,
  streamType: 64,
  eventType: 128,
  metadataId: 128,
  projection: 64,
  documentId: 200,
  destination: 2048,
  eventsPerAppend: 1000,
} as const;

const uuidPattern = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/** An event ready to write: every field filled, payload validated. */
export interface PreparedEvent {
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

/** An outbox message with its id. */
export interface PreparedOutbox {
  readonly id: string;
  readonly destination: string;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** Everything an adapter writes for one append, validated. */
export interface PreparedAppend {
  readonly streamId: string;
  readonly streamType: string;
  readonly expectedVersion: ExpectedVersion;
  readonly occurredAt: string;
  readonly events: readonly PreparedEvent[];
  readonly outbox: readonly PreparedOutbox[];
}

export interface PrepareContext {
  readonly schemas?: EventSchemas | undefined;
  readonly now: () => number;
  readonly newId: () => string;
}

function checkName(
  issues: FieldIssue[],
  path: string,
  value: unknown,
  max: number,
): value is string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    issues.push({ path, message: 'must be a non-empty string' });
    return false;
  }
  if (value.length > max) {
    issues.push({ path, message: `must be at most ${max} characters` });
    return false;
  }
  return true;
}

function checkMetadata(issues: FieldIssue[], path: string, metadata: EventMetadata | undefined) {
  if (!metadata) return;
  for (const field of ['causationId', 'correlationId'] as const) {
    const value = metadata[field];
    if (value !== undefined)
      checkName(issues, `${path}.${field}`, value, eventStoreLimits.metadataId);
  }
  if (metadata.traceparent !== undefined && !isTraceparent(metadata.traceparent)) {
    issues.push({ path: `${path}.traceparent`, message: 'must be a W3C traceparent' });
  }
}

function checkExpected(issues: FieldIssue[], expected: ExpectedVersion) {
  if (typeof expected === 'number') {
    if (!Number.isSafeInteger(expected) || expected < 0) {
      issues.push({ path: 'expectedVersion', message: 'must be a whole number ≥ 0' });
    }
  } else if (!['any', 'no_stream', 'stream_exists'].includes(expected)) {
    issues.push({
      path: 'expectedVersion',
      message: 'must be any, no_stream, stream_exists or a number',
    });
  }
}

function definedOnly(metadata: EventMetadata): EventMetadata {
  const defined: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === 'string') defined[key] = value;
  }
  return defined;
}

/** Throws a VALIDATION error naming the bad field when a name is empty or too long. */
export function assertName(path: string, value: unknown, max: number): void {
  const issues: FieldIssue[] = [];
  if (!checkName(issues, path, value, max)) {
    throw new EdgeMeshError('VALIDATION', `Invalid ${path}: ${issues[0]?.message}.`, { issues });
  }
}

/**
 * Validates an append (names, limits, payloads against their zod schema) and fills ids, schema
 * versions, time and metadata. Throws one VALIDATION error naming every bad field.
 */
export function prepareAppend(
  streamId: string,
  events: readonly NewEvent[],
  options: AppendOptions,
  context: PrepareContext,
): PreparedAppend {
  const issues: FieldIssue[] = [];
  checkName(issues, 'streamId', streamId, eventStoreLimits.streamId);
  checkName(issues, 'streamType', options.streamType, eventStoreLimits.streamType);
  const expectedVersion = options.expectedVersion ?? 'any';
  checkExpected(issues, expectedVersion);
  checkMetadata(issues, 'metadata', options.metadata);
  const list: readonly NewEvent[] = events ?? [];
  if (list.length === 0) {
    issues.push({ path: 'events', message: 'must hold at least one event' });
  } else if (list.length > eventStoreLimits.eventsPerAppend) {
    issues.push({
      path: 'events',
      message: `must hold at most ${eventStoreLimits.eventsPerAppend} events`,
    });
  }
  const at = options.at ?? new Date(context.now());
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    issues.push({ path: 'at', message: 'must be a valid Date' });
  }

  const prepared: PreparedEvent[] = [];
  list.forEach((event, index) => {
    const path = `events.${index}`;
    if (!checkName(issues, `${path}.type`, event.type, eventStoreLimits.eventType)) return;
    if (event.id !== undefined && !uuidPattern.test(event.id)) {
      issues.push({ path: `${path}.id`, message: 'must be a UUID' });
    }
    const schemaVersion = event.schemaVersion ?? 1;
    if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
      issues.push({ path: `${path}.schemaVersion`, message: 'must be a whole number ≥ 1' });
    }
    checkMetadata(issues, `${path}.metadata`, event.metadata);
    let data = event.data;
    if (context.schemas) {
      const schema = context.schemas[event.type];
      if (!schema) {
        issues.push({ path: `${path}.type`, message: `unknown event type ${event.type}` });
        return;
      }
      const parsed = schema.safeParse(event.data);
      if (!parsed.success) {
        for (const issue of fieldIssues(parsed.error)) {
          issues.push({
            path: issue.path === '(root)' ? `${path}.data` : `${path}.data.${issue.path}`,
            message: issue.message,
          });
        }
        return;
      }
      data = parsed.data;
    }
    if (data === undefined) {
      issues.push({ path: `${path}.data`, message: 'must be a JSON value' });
      return;
    }
    prepared.push({
      id: event.id ?? context.newId(),
      type: event.type,
      schemaVersion,
      data,
      metadata: definedOnly({ ...options.metadata, ...event.metadata }),
    });
  });

  const outbox: PreparedOutbox[] = [];
  (options.outbox ?? []).forEach((message, index) => {
    const path = `outbox.${index}`;
    checkName(issues, `${path}.destination`, message.destination, eventStoreLimits.destination);
    if (message.body === undefined)
      issues.push({ path: `${path}.body`, message: 'must be a JSON value' });
    outbox.push({
      id: context.newId(),
      destination: message.destination,
      body: message.body,
      headers: { ...message.headers },
    });
  });
  (options.documents ?? []).forEach((write, index) => {
    checkName(
      issues,
      `documents.${index}.projection`,
      write.projection,
      eventStoreLimits.projection,
    );
    checkName(issues, `documents.${index}.id`, write.id, eventStoreLimits.documentId);
  });
  if (options.snapshot) {
    checkName(issues, 'snapshot.name', options.snapshot.name, eventStoreLimits.projection);
  }
  if (options.idempotency) {
    checkName(issues, 'idempotency.scope', options.idempotency.scope, eventStoreLimits.projection);
    checkName(issues, 'idempotency.key', options.idempotency.key, 255);
  }

  if (issues.length > 0) {
    throw new EdgeMeshError(
      'VALIDATION',
      `Invalid append to ${typeof streamId === 'string' ? streamId.slice(0, 64) : 'a stream'}: ${issues
        .map((issue) => issue.path)
        .join(', ')}.`,
      { issues },
    );
  }
  return {
    streamId,
    streamType: options.streamType,
    expectedVersion,
    occurredAt: at.toISOString(),
    events: prepared,
    outbox,
  };
}
