const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep String.fromCharCode's argument count far below engine limits.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** UTF-8 text as base64, as etcd's gateway carries keys and values. */
export function toBase64(text: string): string {
  return bytesToBase64(encoder.encode(text));
}

/** base64 back to UTF-8 text; an absent field (proto3 JSON omits empty bytes) is "". */
export function fromBase64(encoded: string | undefined): string {
  if (!encoded) return '';
  const binary = atob(encoded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return decoder.decode(bytes);
}

/** base64 of the smallest key above every key starting with `prefix`: etcd's prefix `range_end`. */
export function prefixEndBase64(prefix: string): string {
  const bytes = encoder.encode(prefix);
  for (let i = bytes.length - 1; i >= 0; i -= 1) {
    if (bytes[i]! < 0xff) {
      const end = bytes.slice(0, i + 1);
      end[i]! += 1;
      return bytesToBase64(end);
    }
  }
  return bytesToBase64(new Uint8Array([0]));
}
