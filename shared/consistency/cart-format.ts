import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { beyond, maxSkuLength, type CartLine, type CartState, type CartVersion } from './cart.ts';
import { compareIds } from './replica-id.ts';
import { coversDot, type VersionVector } from './version-vector.ts';
import { formatVector, parseVector } from './vector-format.ts';

/** Version of the text {@link formatCart} writes; {@link parseCart} rejects any other. */
export const cartFormatVersion = 1;

/** One cart line as serialised: `[sku, versions]` or `[sku, versions, supersededUpTo]`. */
export type CartLineJson = [sku: string, versions: string] | [string, string, string];

/** A cart state as serialised: small, canonical JSON (equal states give equal text). */
export interface CartJson {
  v: typeof cartFormatVersion;
  /** The cart context in the text form of `formatVector`. */
  context: string;
  /** Lines sorted by sku; versions as `replica:counter=quantity`, comma-separated. */
  lines: CartLineJson[];
}

/**
 * The serialised form of a cart state, as a JSON value (store it as `jsonb`, send it as is).
 * @example formatCart(state) // { v: 1, context: "eu:3,us:1", lines: [["SKU-1", "eu:3=2,us:1=1"]] }
 */
export function formatCart(state: CartState): CartJson {
  return {
    v: cartFormatVersion,
    context: formatVector(state.context),
    lines: state.lines.map((line) => {
      const versions = line.versions
        .map(({ dot: [replica, counter], quantity }) => `${replica}:${counter}=${quantity}`)
        .join(',');
      return line.supersededUpTo.entries.length > 0
        ? [line.sku, versions, formatVector(line.supersededUpTo)]
        : [line.sku, versions];
    }),
  };
}

const versionPattern = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,63}):([1-9][0-9]{0,15})=([1-9][0-9]{0,15})$/;

function invalid(path: string, message: string): EdgeMeshError {
  return new EdgeMeshError('VALIDATION', `Invalid cart state: ${path} ${message}.`, {
    issues: [{ path, message }],
  });
}

function parseVersions(text: string, context: VersionVector, path: string): CartVersion[] {
  if (text === '') return [];
  return text.split(',').map((part) => {
    const match = versionPattern.exec(part);
    const counter = Number(match?.[2]);
    const quantity = Number(match?.[3]);
    if (!match || !Number.isSafeInteger(counter) || !Number.isSafeInteger(quantity)) {
      throw invalid(path, `has "${part.slice(0, 80)}", not replica:counter=quantity`);
    }
    const dot = [match[1] as string, counter] as const;
    if (!coversDot(context, dot)) throw invalid(path, `has ${part}, beyond the cart context`);
    return { dot, quantity };
  });
}

function parseLine(raw: unknown, context: VersionVector, path: string): CartLine {
  if (!Array.isArray(raw) || raw.length < 2 || raw.length > 3) {
    throw invalid(path, 'is not [sku, versions] or [sku, versions, supersededUpTo]');
  }
  const [sku, versionsText, supersededText = ''] = raw as unknown[];
  if (typeof sku !== 'string' || sku.length === 0 || sku.length > maxSkuLength) {
    throw invalid(`${path}.0`, `is not a sku of 1-${maxSkuLength} characters`);
  }
  if (typeof versionsText !== 'string') throw invalid(`${path}.1`, 'is not a string');
  if (typeof supersededText !== 'string') throw invalid(`${path}.2`, 'is not a string');
  const versions = parseVersions(versionsText, context, `${path}.1`);
  const supersededUpTo = beyond(parseVector(supersededText, { path: `${path}.2` }), context);
  return { sku, versions, supersededUpTo };
}

/**
 * Reads a cart state from {@link formatCart}'s JSON value or its text, checking every
 * invariant the merge relies on (each version covered by the context, no event twice, skus
 * unique); throws VALIDATION naming the first bad field.
 */
export function parseCart(input: unknown): CartState {
  let raw = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (error) {
      throw new EdgeMeshError('VALIDATION', 'Invalid cart state: not JSON.', { cause: error });
    }
  }
  if (typeof raw !== 'object' || raw === null) throw invalid('(root)', 'is not an object');
  const { v, context: contextText, lines: rawLines } = raw as Record<string, unknown>;
  if (v !== cartFormatVersion) throw invalid('v', `is not ${cartFormatVersion}`);
  if (typeof contextText !== 'string') throw invalid('context', 'is not a string');
  const context = parseVector(contextText, { path: 'context' });
  if (context.truncated) throw invalid('context', 'is truncated; a cart context never is');
  if (!Array.isArray(rawLines)) throw invalid('lines', 'is not an array');
  const seenDots = new Set<string>();
  const lines = (rawLines as unknown[]).map((rawLine, i) => {
    const line = parseLine(rawLine, context, `lines.${i}`);
    for (const { dot } of line.versions) {
      const key = dot.join(':');
      if (seenDots.has(key)) throw invalid(`lines.${i}.1`, `has event ${key} twice`);
      if (coversDot(line.supersededUpTo, dot)) {
        throw invalid(`lines.${i}.1`, `has ${key}, superseded by its own line`);
      }
      seenDots.add(key);
    }
    return line;
  });
  const sorted = lines
    .filter((line) => line.versions.length > 0 || line.supersededUpTo.entries.length > 0)
    .map((line) => ({
      ...line,
      versions: [...line.versions].sort(
        (a, b) => compareIds(a.dot[0], b.dot[0]) || a.dot[1] - b.dot[1],
      ),
    }))
    .sort((a, b) => compareIds(a.sku, b.sku));
  for (let i = 1; i < sorted.length; i += 1) {
    if (sorted[i]?.sku === sorted[i - 1]?.sku) throw invalid('lines', `repeat a sku`);
  }
  return { context, lines: sorted };
}
