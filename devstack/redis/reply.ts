/** A RESP2-shaped reply, as produced by the embedded engine or read back from real Redis. */
export type Reply =
  | { readonly kind: 'status'; readonly value: string }
  | { readonly kind: 'bulk'; readonly value: string | null }
  | { readonly kind: 'integer'; readonly value: number }
  | { readonly kind: 'array'; readonly value: readonly Reply[] | null }
  | { readonly kind: 'error'; readonly message: string };

export const status = (value: string): Reply => ({ kind: 'status', value });
export const bulk = (value: string | null): Reply => ({ kind: 'bulk', value });
export const integer = (value: number): Reply => ({ kind: 'integer', value });
export const array = (value: readonly Reply[] | null): Reply => ({ kind: 'array', value });
export const errorReply = (message: string): Reply => ({ kind: 'error', message });

export const OK = status('OK');
export const NIL = bulk(null);
export const NIL_ARRAY = array(null);
export const EMPTY_ARRAY = array([]);

export const bulkArray = (values: Iterable<string | null>): Reply => array([...values].map(bulk));

export function isError(reply: Reply): reply is Extract<Reply, { kind: 'error' }> {
  return reply.kind === 'error';
}
