import type { DeadLetter, MessageSpec, PendingMessage } from '../message.ts';

/** A messages row as pg returns it (bigint columns arrive as strings). */
export interface MessageRow {
  id: string;
  seq: string;
  spec: MessageSpec;
  body: Buffer;
  due_at: string;
  retried: number;
  created_at: string;
  not_before: string;
}

/** A dlq row as pg returns it. */
export interface DeadLetterRow extends Omit<MessageRow, 'id' | 'due_at'> {
  dlq_id: string;
  message_id: string;
  failed_at: string;
  response_status: number;
  response_header: Record<string, string[]>;
  response_body: string;
}

/** The engine's view of a messages row. */
export function fromMessageRow(row: MessageRow): PendingMessage {
  return {
    id: row.id,
    seq: Number(row.seq),
    spec: row.spec,
    body: row.body,
    dueAt: Number(row.due_at),
    retried: row.retried,
    createdAt: Number(row.created_at),
    notBefore: Number(row.not_before),
  };
}

/** The API's view of a dlq row. */
export function fromDeadLetterRow(row: DeadLetterRow): DeadLetter {
  return {
    id: row.message_id,
    dlqId: row.dlq_id,
    seq: Number(row.seq),
    spec: row.spec,
    body: row.body,
    dueAt: Number(row.failed_at),
    retried: row.retried,
    createdAt: Number(row.created_at),
    notBefore: Number(row.not_before),
    failedAt: Number(row.failed_at),
    responseStatus: row.response_status,
    responseHeader: row.response_header,
    responseBody: row.response_body,
  };
}
