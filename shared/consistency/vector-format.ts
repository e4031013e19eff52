import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { compareIds } from './replica-id.ts';
import type { VersionVector, VersionVectorEntry } from './version-vector.ts';

/** Most entries {@link parseVector} accepts by default: far above any real replica count. */
export const defaultMaxVectorEntries = 64;

const entryPattern = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,63}):([1-9][0-9]{0,15})$/;

/**
 * The compact, canonical text of a vector: `replica:counter` pairs sorted by replica id,
 * joined by `,`, with a leading `~` when truncated; `""` for the empty vector.
 * Header-, URL-query- and JSON-safe.
 * @example formatVector(vectorOf({ eu: 12, us: 7 })) // "eu:12,us:7"
 */
export function formatVector(vector: VersionVector): string {
  const body = vector.entries.map(([replica, counter]) => `${replica}:${counter}`).join(',');
  return vector.truncated ? `~${body}` : body;
}

/** Options of {@link parseVector}. */
export interface ParseVectorOptions {
  /** The field named in a VALIDATION issue. Default `context`. */
  path?: string;
  /** Reject vectors with more entries. Default {@link defaultMaxVectorEntries}. */
  maxEntries?: number;
}

/**
 * Reads the text of {@link formatVector}. Entries may come in any order (they are sorted);
 * throws VALIDATION (naming `path`) on anything else: a bad id, a counter that is not a
 * positive decimal integer without leading zeros up to 2^53 - 1, a repeated replica, or more
 * than `maxEntries` entries.
 */
export function parseVector(
  text: string,
  { path = 'context', maxEntries = defaultMaxVectorEntries }: ParseVectorOptions = {},
): VersionVector {
  const fail = (message: string) =>
    new EdgeMeshError('VALIDATION', `Invalid version vector: ${message}.`, {
      issues: [{ path, message }],
    });
  if (typeof text !== 'string') throw fail('expected a string');
  const truncated = text.startsWith('~');
  const body = truncated ? text.slice(1) : text;
  if (body === '') return { entries: [], truncated };
  const parts = body.split(',');
  if (parts.length > maxEntries) throw fail(`more than ${maxEntries} entries`);
  const entries: VersionVectorEntry[] = [];
  for (const part of parts) {
    const match = entryPattern.exec(part);
    const counter = Number(match?.[2]);
    if (!match || !Number.isSafeInteger(counter)) {
      throw fail(`"${part.slice(0, 80)}" is not replica:counter`);
    }
    entries.push([match[1] as string, counter]);
  }
  entries.sort(([a], [b]) => compareIds(a, b));
  for (let i = 1; i < entries.length; i += 1) {
    if (entries[i]?.[0] === entries[i - 1]?.[0]) throw fail(`replica ${entries[i]?.[0]} twice`);
  }
  return { entries, truncated };
}
