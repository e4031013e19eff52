import type { Reply } from './reply.ts';

/** A reply in Upstash's JSON shape: strings, numbers, null and nested arrays. */
export type UpstashValue = string | number | null | UpstashValue[];

/**
 * Converts a non-error reply to JSON. With base64 every bulk and status string is encoded,
 * PONG and OK included, because the client decodes every string it finds (PROTOCOLS §1.5).
 */
export function toUpstashValue(reply: Reply, base64: boolean): UpstashValue {
  switch (reply.kind) {
    case 'status':
    case 'bulk':
      if (reply.value === null) return null;
      return base64 ? Buffer.from(reply.value, 'utf8').toString('base64') : reply.value;
    case 'integer':
      return reply.value;
    case 'array':
      return reply.value === null ? null : reply.value.map((item) => toUpstashValue(item, base64));
    case 'error':
      // Only reachable inside arrays (a Lua script returning an error table); errors stay plain.
      return reply.message;
  }
}

/** A pipeline or transaction item: {"result": …} or {"error": "…"}. */
export function toUpstashItem(
  reply: Reply,
  base64: boolean,
): { result: UpstashValue } | { error: string } {
  return reply.kind === 'error'
    ? { error: reply.message }
    : { result: toUpstashValue(reply, base64) };
}
