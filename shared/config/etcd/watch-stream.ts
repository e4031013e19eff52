import { EdgeMeshError } from '../../errors/edgemesh-error.ts';
import { parseKeyValue, type EtcdKeyValue } from './gateway.ts';

/** One message of etcd's watch stream, as the store needs it. */
export type EtcdWatchMessage =
  | { kind: 'created'; revision: number }
  | { kind: 'events'; revision: number; puts: EtcdKeyValue[] }
  | { kind: 'canceled'; reason: string; compactRevision: number };

interface RawWatchResult {
  header?: { revision?: string };
  created?: boolean;
  canceled?: boolean;
  cancel_reason?: string;
  compact_revision?: string;
  events?: Array<{ type?: 'PUT' | 'DELETE'; kv?: Parameters<typeof parseKeyValue>[0] }>;
}

/** Splits the gateway's newline-delimited JSON into watch messages; deletes are dropped. */
export async function* watchMessages(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<EtcdWatchMessage> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (line) yield parseMessage(line);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function parseMessage(line: string): EtcdWatchMessage {
  const message = JSON.parse(line) as { result?: RawWatchResult; error?: { message?: string } };
  const result = message.result;
  if (!result) {
    throw new EdgeMeshError('UPSTREAM', `etcd watch failed: ${message.error?.message ?? line}`);
  }
  const revision = Number(result.header?.revision ?? 0);
  if (result.canceled) {
    return {
      kind: 'canceled',
      reason: result.cancel_reason ?? 'canceled',
      compactRevision: Number(result.compact_revision ?? 0),
    };
  }
  if (result.created) return { kind: 'created', revision };
  const puts = (result.events ?? [])
    .filter((event) => event.type !== 'DELETE' && event.kv)
    .map((event) => parseKeyValue(event.kv!));
  return { kind: 'events', revision, puts };
}
