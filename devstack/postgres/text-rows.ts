import type { CustomTypesConfig, FieldDef, QueryArrayResult } from 'pg';

/** node-postgres type config that keeps every value in Postgres text format, as Neon returns it. */
export const rawTextTypes: CustomTypesConfig = {
  getTypeParser: (() => (text: string) => text) as CustomTypesConfig['getTypeParser'],
};

/** A column description in Neon's `/sql` response. */
export interface NeonField {
  readonly name: string;
  readonly dataTypeID: number;
  readonly tableID: number;
  readonly columnID: number;
  readonly dataTypeSize: number;
  readonly dataTypeModifier: number;
  readonly format: 'text';
}

/** One statement's result in Neon's `/sql` response shape. */
export interface NeonQueryResult {
  readonly command: string;
  readonly rowCount: number | null;
  readonly rowAsArray: boolean;
  readonly fields: readonly NeonField[];
  readonly rows: readonly (readonly unknown[] | Record<string, unknown>)[];
}

/** The parts of a node-postgres array-mode result that the response is built from. */
export type TextResult = Pick<QueryArrayResult, 'command' | 'rowCount' | 'fields' | 'rows'>;

/** Shapes a node-postgres result (array rows of raw text) as Neon's `/sql` JSON. */
export function toNeonResult(result: TextResult, rowAsArray: boolean): NeonQueryResult {
  const fields = result.fields.map(toNeonField);
  const rows = rowAsArray
    ? result.rows
    : result.rows.map((row) =>
        Object.fromEntries(fields.map((field, index) => [field.name, row[index] as unknown])),
      );
  return {
    // pg leaves command null for an empty statement; Neon sends an empty string there.
    command: result.command ?? '',
    rowCount: result.rowCount,
    rowAsArray,
    fields,
    rows,
  };
}

function toNeonField(field: FieldDef): NeonField {
  return {
    name: field.name,
    dataTypeID: field.dataTypeID,
    tableID: field.tableID,
    columnID: field.columnID,
    dataTypeSize: field.dataTypeSize,
    dataTypeModifier: field.dataTypeModifier,
    format: 'text',
  };
}
