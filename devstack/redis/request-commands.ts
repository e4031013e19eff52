/** Parsing of Upstash REST bodies into Redis commands (PROTOCOLS §1.2). */

export type ParsedCommand = { ok: true; command: string[] } | { ok: false; error: string };

/** Commands that would change or block the shared connection; Upstash refuses them too. */
const NOT_AVAILABLE = new Set([
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
  'monitor',
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
  'select',
  'swapdb',
  'quit',
  'reset',
  'hello',
  'auth',
  'client',
  'shutdown',
  'sync',
  'psync',
  'replicaof',
  'slaveof',
]);

/** One command from JSON: a non-empty array of strings, numbers and booleans. */
export function parseCommand(value: unknown): ParsedCommand {
  if (!Array.isArray(value) || value.length === 0) {
    return { ok: false, error: 'ERR a command must be a non-empty JSON array' };
  }
  const command: string[] = [];
  for (const item of value as unknown[]) {
    if (typeof item === 'string') command.push(item);
    else if (typeof item === 'number' || typeof item === 'boolean') command.push(String(item));
    else return { ok: false, error: 'ERR command arguments must be strings, numbers or booleans' };
  }
  const name = (command[0] ?? '').toLowerCase();
  if (NOT_AVAILABLE.has(name)) {
    return { ok: false, error: `ERR Command is not available: '${command[0] ?? ''}'` };
  }
  return { ok: true, command };
}

/** The commands of a /pipeline or /multi-exec body, or why the body is unusable. */
export function parseCommandList(
  value: unknown,
): { ok: true; commands: ParsedCommand[] } | { ok: false; error: string } {
  if (!Array.isArray(value)) {
    return { ok: false, error: 'ERR the body must be a JSON array of commands' };
  }
  if (!(value as unknown[]).every(Array.isArray)) {
    return { ok: false, error: 'ERR every pipeline entry must be a JSON array' };
  }
  return { ok: true, commands: (value as unknown[]).map(parseCommand) };
}

/** JSON.parse that reports failure instead of throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
