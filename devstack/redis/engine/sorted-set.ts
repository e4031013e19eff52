/** Members ordered by (score, member) as Redis' skiplist orders them; sorted lazily on read. */
export class SortedSet {
  readonly scores = new Map<string, number>();
  #ordered: [string, number][] | null = null;

  get size(): number {
    return this.scores.size;
  }

  set(member: string, score: number): void {
    this.scores.set(member, score);
    this.#ordered = null;
  }

  delete(member: string): boolean {
    this.#ordered = null;
    return this.scores.delete(member);
  }

  /** Ascending by score, ties by member bytes. */
  ordered(): readonly (readonly [string, number])[] {
    this.#ordered ??= [...this.scores].sort(compareEntries);
    return this.#ordered;
  }
}

function compareEntries(a: [string, number], b: [string, number]): number {
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]));
}
