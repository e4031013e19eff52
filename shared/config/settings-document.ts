import { EdgeMeshError } from '../errors/edgemesh-error.ts';

/** A JSON value, as settings documents hold them. */
export type JsonValue = null | boolean | number | string | JsonValue[] | SettingsDocument;

/** A settings document: a JSON object whose leaves override the defaults of a service's schema. */
export interface SettingsDocument {
  readonly [name: string]: JsonValue;
}

/** One changed leaf between two documents; `from`/`to` absent when the path did not exist. */
export interface SettingsChange {
  readonly path: string;
  readonly from?: JsonValue;
  readonly to?: JsonValue;
}

/** True for a plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `override` laid over `base`: objects merge key by key, anything else is replaced. */
export function deepMerge(base: SettingsDocument, override: SettingsDocument): SettingsDocument {
  const merged: Record<string, JsonValue> = { ...base };
  for (const [name, value] of Object.entries(override)) {
    const under = merged[name];
    merged[name] = isPlainObject(under) && isPlainObject(value) ? deepMerge(under, value) : value;
  }
  return merged;
}

const segment = /^[A-Za-z0-9_$-]+$/;

/** A dotted path (`breaker.failureRateThreshold`) as its segments; VALIDATION when malformed. */
export function parsePath(path: string): string[] {
  const parts = path.split('.');
  if (path === '' || !parts.every((part) => segment.test(part))) {
    throw new EdgeMeshError('VALIDATION', `invalid settings path "${path}"`, {
      issues: [{ path, message: 'expected names of letters, digits, _ $ - joined by dots' }],
    });
  }
  return parts;
}

/** The value at a dotted path, or undefined. */
export function getPath(document: SettingsDocument, path: string): JsonValue | undefined {
  let node: JsonValue | undefined = document;
  for (const part of parsePath(path)) {
    if (!isPlainObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

/**
 * A copy of `document` with `value` at `path` (objects created on the way); `undefined` removes
 * the path, and any object it leaves empty.
 */
export function setPath(
  document: SettingsDocument,
  path: string,
  value: JsonValue | undefined,
): SettingsDocument {
  const [head, ...rest] = parsePath(path);
  const copy: Record<string, JsonValue> = { ...document };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head!];
    else copy[head!] = value;
    return copy;
  }
  const child = copy[head!];
  const next = setPath(isPlainObject(child) ? child : {}, rest.join('.'), value);
  if (Object.keys(next).length === 0) delete copy[head!];
  else copy[head!] = next;
  return copy;
}

function leaves(value: JsonValue, prefix: string, into: Map<string, JsonValue>): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [name, child] of Object.entries(value)) {
      leaves(child, prefix ? `${prefix}.${name}` : name, into);
    }
  } else if (prefix) into.set(prefix, value);
}

const same = (a: JsonValue, b: JsonValue) => JSON.stringify(a) === JSON.stringify(b);

/** The leaves that differ between two documents, sorted by path; arrays compare whole. */
export function diffDocuments(before: SettingsDocument, after: SettingsDocument): SettingsChange[] {
  const [from, to] = [new Map<string, JsonValue>(), new Map<string, JsonValue>()];
  leaves(before, '', from);
  leaves(after, '', to);
  const changes: SettingsChange[] = [];
  for (const path of [...new Set([...from.keys(), ...to.keys()])].sort()) {
    const [a, b] = [from.get(path), to.get(path)];
    if (a !== undefined && b !== undefined && same(a, b)) continue;
    changes.push({
      path,
      ...(a !== undefined ? { from: a } : {}),
      ...(b !== undefined ? { to: b } : {}),
    });
  }
  return changes;
}

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
