import { SortedSet } from './sorted-set.ts';
import { fail, WRONGTYPE } from './errors.ts';

export type Value =
  | { readonly type: 'string'; data: string }
  | { readonly type: 'hash'; readonly data: Map<string, string> }
  | { readonly type: 'list'; data: string[] }
  | { readonly type: 'set'; readonly data: Set<string> }
  | { readonly type: 'zset'; readonly data: SortedSet };

export type ValueType = Value['type'];
type Of<T extends ValueType> = Extract<Value, { type: T }>;

interface Entry {
  value: Value;
  /** Absolute unix ms, or null for no expiry. */
  expiresAt: number | null;
  /** Creation order; SCAN cursors are positions in it, so deletions never skip keys. */
  readonly seq: number;
}

const EMPTY: { readonly [T in ValueType]: () => Of<T> } = {
  string: () => ({ type: 'string', data: '' }),
  hash: () => ({ type: 'hash', data: new Map() }),
  list: () => ({ type: 'list', data: [] }),
  set: () => ({ type: 'set', data: new Set() }),
  zset: () => ({ type: 'zset', data: new SortedSet() }),
};

/** One database: keys, values and lazy expiry against an injected clock (unix ms). */
export class Keyspace {
  readonly #entries = new Map<string, Entry>();
  readonly #touched = new Set<string>();
  #nextSeq = 1;

  constructor(readonly now: () => number) {}

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry?.expiresAt != null && entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  get(key: string): Value | undefined {
    return this.#live(key)?.value;
  }

  /** The value if it has the type, undefined if missing, WRONGTYPE otherwise. */
  getAs<T extends ValueType>(key: string, type: T): Of<T> | undefined {
    const value = this.get(key);
    if (value && value.type !== type) fail(WRONGTYPE);
    return value as Of<T> | undefined;
  }

  /** Like getAs, creating an empty value (not yet visible until written) when missing. */
  getOrCreate<T extends ValueType>(key: string, type: T): Of<T> {
    const existing = this.getAs(key, type);
    if (existing) return existing;
    const created = EMPTY[type]();
    this.#touched.add(key);
    this.#entries.set(key, { value: created, expiresAt: null, seq: this.#nextSeq++ });
    return created;
  }

  /** Writes a value; a plain write clears the TTL unless keepTtl. */
  set(key: string, value: Value, { keepTtl = false } = {}): void {
    const entry = this.#live(key);
    if (entry) {
      entry.value = value;
      if (!keepTtl) entry.expiresAt = null;
    } else this.#entries.set(key, { value, expiresAt: null, seq: this.#nextSeq++ });
  }

  delete(key: string): boolean {
    return this.#live(key) !== undefined && this.#entries.delete(key);
  }

  /** Marks a container that a command may have emptied. */
  touch(key: string): void {
    this.#touched.add(key);
  }

  /** Drops containers left empty by the last command; Redis never keeps empty collections. */
  settle(): void {
    for (const key of this.#touched) {
      const value = this.#entries.get(key)?.value;
      if (value && sizeOf(value) === 0) this.#entries.delete(key);
    }
    this.#touched.clear();
  }

  exists(key: string): boolean {
    return this.#live(key) !== undefined;
  }

  /** Absolute expiry in unix ms, null when persistent, undefined when missing. */
  expiresAt(key: string): number | null | undefined {
    return this.#live(key)?.expiresAt;
  }

  setExpiresAt(key: string, at: number | null): void {
    const entry = this.#live(key);
    if (entry) entry.expiresAt = at;
  }

  /** Live keys with their SCAN positions, in creation order. */
  *entries(fromSeq = 0): Generator<{ key: string; seq: number; type: ValueType }> {
    for (const key of [...this.#entries.keys()]) {
      const entry = this.#live(key);
      if (entry && entry.seq >= fromSeq) yield { key, seq: entry.seq, type: entry.value.type };
    }
  }

  size(): number {
    return [...this.entries()].length;
  }

  clear(): void {
    this.#entries.clear();
  }
}

function sizeOf(value: Value): number {
  switch (value.type) {
    case 'string':
      return 1;
    case 'list':
      return value.data.length;
    default:
      return value.data.size;
  }
}
