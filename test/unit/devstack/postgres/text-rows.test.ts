import { describe, expect, it } from 'vitest';
import { rawTextTypes, toNeonResult } from '../../../../devstack/postgres/text-rows.ts';

const field = (name: string, dataTypeID: number) => ({
  name,
  dataTypeID,
  tableID: 16384,
  columnID: 1,
  dataTypeSize: -1,
  dataTypeModifier: -1,
  format: 'text',
});

describe('toNeonResult', () => {
  const result = {
    command: 'SELECT',
    rowCount: 2,
    fields: [field('id', 20), field('tags', 1009)],
    rows: [
      ['9007199254740993', '{a,"b c"}'],
      ['2', null],
    ],
  };

  it('keeps rows as arrays of text when array mode is on', () => {
    expect(toNeonResult(result, true)).toEqual({
      command: 'SELECT',
      rowCount: 2,
      rowAsArray: true,
      fields: [
        { ...field('id', 20), format: 'text' },
        { ...field('tags', 1009), format: 'text' },
      ],
      rows: result.rows,
    });
  });

  it('keys rows by column name when array mode is off', () => {
    expect(toNeonResult(result, false).rows).toEqual([
      { id: '9007199254740993', tags: '{a,"b c"}' },
      { id: '2', tags: null },
    ]);
  });

  it('passes through a command without a row count', () => {
    const created = toNeonResult({ command: 'CREATE', rowCount: null, fields: [], rows: [] }, true);
    expect(created).toMatchObject({ command: 'CREATE', rowCount: null, fields: [], rows: [] });
  });
});

describe('rawTextTypes', () => {
  it('leaves every type in Postgres text format', () => {
    for (const oid of [16, 20, 23, 114, 1184, 3802, 17, 1007]) {
      const parse = rawTextTypes.getTypeParser(oid, 'text') as (text: string) => unknown;
      expect(parse('\\x00ff'), String(oid)).toBe('\\x00ff');
    }
  });
});
