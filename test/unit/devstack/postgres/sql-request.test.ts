import { describe, expect, it } from 'vitest';
import {
  beginStatement,
  parseSqlRequest,
  parseTransactionMode,
} from '../../../../devstack/postgres/sql-request.ts';

const headers =
  (values: Record<string, string> = {}) =>
  (name: string) =>
    values[name];

describe('parseSqlRequest', () => {
  it('decodes a single query with its params and object rows by default', () => {
    expect(parseSqlRequest('{"query":"select $1","params":["1",null]}', headers())).toEqual({
      kind: 'single',
      query: { text: 'select $1', params: ['1', null], arrayMode: false },
    });
  });

  it('returns rows as arrays when Neon-Array-Mode is true, unless a query says otherwise', () => {
    const request = parseSqlRequest(
      '{"queries":[{"query":"select 1","params":[]},{"query":"select 2","arrayMode":false}]}',
      headers({ 'neon-array-mode': 'true' }),
    );
    expect(request).toMatchObject({
      kind: 'batch',
      queries: [{ arrayMode: true }, { arrayMode: false, params: [] }],
      mode: {},
    });
  });

  it('turns JSON params into Postgres text: numbers, booleans, objects and array literals', () => {
    const request = parseSqlRequest(
      JSON.stringify({ query: 'q', params: [1.5, true, { a: 1 }, ['x', 'y "z"', null, [1, 2]]] }),
      headers(),
    );
    expect(request.kind === 'single' && request.query.params).toEqual([
      '1.5',
      'true',
      '{"a":1}',
      '{"x","y \\"z\\"",NULL,{"1","2"}}',
    ]);
  });

  it.each([
    ['{"query": ', 'not valid JSON'],
    ['[1,2]', 'must be a JSON object'],
    ['{"params":[]}', '"query" string'],
    ['{"query":"q","params":"1"}', 'params must be an array'],
    ['{"queries":[{"query":"q"},{}]}', 'queries[1]'],
  ])('rejects the body %s', (body, message) => {
    expect(() => parseSqlRequest(body, headers())).toThrow(message);
  });
});

describe('transaction mode', () => {
  it('reads the batch headers the driver sends', () => {
    expect(
      parseTransactionMode(
        headers({
          'neon-batch-isolation-level': 'RepeatableRead',
          'neon-batch-read-only': 'true',
          'neon-batch-deferrable': 'false',
        }),
      ),
    ).toEqual({ isolationLevel: 'RepeatableRead', readOnly: true, deferrable: false });
  });

  it('rejects an unknown isolation level or a non-boolean flag', () => {
    expect(() =>
      parseTransactionMode(headers({ 'neon-batch-isolation-level': 'Snapshot' })),
    ).toThrow('Neon-Batch-Isolation-Level');
    expect(() => parseTransactionMode(headers({ 'neon-batch-read-only': 'yes' }))).toThrow(
      'Neon-Batch-Read-Only',
    );
  });

  it('spells BEGIN with the isolation level and access mode', () => {
    expect(beginStatement({})).toBe('BEGIN');
    expect(beginStatement({ isolationLevel: 'ReadUncommitted' })).toBe(
      'BEGIN ISOLATION LEVEL READ UNCOMMITTED',
    );
    expect(
      beginStatement({ isolationLevel: 'Serializable', readOnly: true, deferrable: true }),
    ).toBe('BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE');
    expect(beginStatement({ readOnly: false, deferrable: false })).toBe(
      'BEGIN READ WRITE NOT DEFERRABLE',
    );
  });
});
