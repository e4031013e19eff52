const statementKinds = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'WITH',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'CREATE',
  'ALTER',
  'DROP',
  'TRUNCATE',
  'LOCK',
  'SET',
  'SHOW',
  'COPY',
  'LISTEN',
  'NOTIFY',
  'VACUUM',
  'ANALYZE',
  'EXPLAIN',
]);

/**
 * The kind of an SQL statement (`SELECT`, `INSERT`, …, or `OTHER`): its first keyword after
 * comments. Never the statement's values, so it is safe as a span attribute and metric label.
 */
export function statementKind(text: string): string {
  const stripped = text.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '');
  const word = /^[a-zA-Z]+/.exec(stripped)?.[0]?.toUpperCase() ?? '';
  return statementKinds.has(word) ? word : 'OTHER';
}
