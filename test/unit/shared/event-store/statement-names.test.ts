import { describe, expect, it } from 'vitest';
import { statementNamer } from '../../../../shared/event-store/statement-names.ts';

describe('statementNamer', () => {
  it('gives one text one name, stable across namers, a valid Postgres identifier', () => {
    const text = 'select 1 from "public".es_events where stream_id = $1';
    const name = statementNamer()(text);
    expect(statementNamer()(text)).toBe(name);
    expect(name).toMatch(/^edgemesh_[\da-z]+$/);
    expect(name.length).toBeLessThanOrEqual(63);
  });

  it('gives different statements different names, even when they differ by one character', () => {
    const nameOf = statementNamer();
    const texts = Array.from({ length: 2000 }, (_, i) => `select ${i}::bigint`);
    texts.push('select $1', 'select $2', 'select $1 ');
    expect(new Set(texts.map(nameOf)).size).toBe(texts.length);
  });
});
