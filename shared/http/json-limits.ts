import { EdgeMeshError, type FieldIssue } from '../errors/index.ts';

/** Limits of a JSON value that may reach storage. */
export interface JsonLimits {
  /** Deepest nesting. */
  maxDepth: number;
  /** Most elements of one array, or keys of one object. */
  maxItems: number;
  /** Longest string (and key), characters. */
  maxStringLength: number;
}

/** The limits of a request or message body unless a function says otherwise. */
export const defaultJsonLimits: JsonLimits = {
  maxDepth: 16,
  maxItems: 1_000,
  maxStringLength: 10_000,
};

// NUL and other C0 controls but tab, newline and carriage return: Postgres refuses NUL in text
// and jsonb, and none of them belongs in an id or a name.
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string may not reach storage (too long, a NUL or control character, a lone surrogate), or undefined. */
export function badText(text: string, maxLength: number): string | undefined {
  if (text.length > maxLength) return `longer than ${maxLength} characters`;
  if (controlCharacters.test(text)) return 'contains a NUL or control character';
  if (loneSurrogate.test(text)) return 'contains a lone surrogate';
  return undefined;
}

/** A VALIDATION error naming one bad input by its path. */
export function jsonIssue(path: string, message: string): EdgeMeshError {
  const issues: FieldIssue[] = [{ path: path || '(root)', message }];
  return new EdgeMeshError('VALIDATION', `Invalid input at ${path || 'the body'}: ${message}.`, {
    issues,
  });
}

/**
 * Walks a parsed JSON value; throws VALIDATION naming the first value over a limit or holding a
 * NUL or control character or a lone surrogate (Postgres refuses NUL in text and jsonb).
 */
export function checkJson(value: unknown, limits: JsonLimits, path: string, depth: number): void {
  if (depth > limits.maxDepth) throw jsonIssue(path, `nested deeper than ${limits.maxDepth}`);
  if (typeof value === 'string') {
    const bad = badText(value, limits.maxStringLength);
    if (bad) throw jsonIssue(path, bad);
  } else if (Array.isArray(value)) {
    if (value.length > limits.maxItems) throw jsonIssue(path, `more than ${limits.maxItems} items`);
    value.forEach((item, index) =>
      checkJson(item, limits, path ? `${path}.${index}` : String(index), depth + 1),
    );
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length > limits.maxItems)
      throw jsonIssue(path, `more than ${limits.maxItems} keys`);
    for (const [key, item] of entries) {
      const bad = badText(key, 256);
      if (bad) throw jsonIssue(path, `a key ${bad}`);
      checkJson(item, limits, path ? `${path}.${key}` : key, depth + 1);
    }
  }
}
