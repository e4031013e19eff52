/** The script flags Redis 7.0 accepts in `#!lua flags=…`. */
export const SCRIPT_FLAGS = [
  'no-writes',
  'allow-oom',
  'allow-stale',
  'no-cluster',
  'allow-cross-slot-keys',
] as const;

export type ScriptFlag = (typeof SCRIPT_FLAGS)[number];

export type Shebang =
  { ok: true; flags: ReadonlySet<ScriptFlag>; body: string } | { ok: false; error: string };

const KNOWN = new Set<string>(SCRIPT_FLAGS);

/**
 * Redis 7.0's evalExtractShebangFlags: a first line `#!lua [flags=a,b]` gives the flags; the
 * body to compile starts at that line's newline, so line numbers stay those of the script.
 */
export function parseShebang(script: string): Shebang {
  if (!script.startsWith('#!')) return { ok: true, flags: new Set(), body: script };
  const end = script.indexOf('\n');
  if (end < 0) return { ok: false, error: 'ERR Invalid script shebang' };
  const [engine = '', ...options] = script
    .slice(0, end)
    .trim()
    .split(/[ \t]+/);
  if (engine !== '#!lua') {
    return { ok: false, error: `ERR Unexpected engine in script shebang: ${engine}` };
  }
  const flags = new Set<ScriptFlag>();
  for (const option of options) {
    if (!option.startsWith('flags=')) {
      return { ok: false, error: `ERR Unknown lua shebang option: ${option}` };
    }
    const names = option.slice(6);
    for (const flag of names === '' ? [] : names.split(',')) {
      if (!KNOWN.has(flag)) {
        return { ok: false, error: `ERR Unexpected flag in script shebang: ${flag}` };
      }
      flags.add(flag as ScriptFlag);
    }
  }
  return { ok: true, flags, body: script.slice(end) };
}
