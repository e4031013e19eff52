import { bulk, errorReply, integer, array, type Reply } from '../reply.ts';
import { createLuaVm, sha1hex, type CompiledScript, type LuaVm } from './lua/vm.ts';
import { parseShebang, type ScriptFlag } from './lua/shebang.ts';

export interface ScriptingOptions {
  /** Runs a command issued by a script; readOnly refuses write commands. */
  dispatch: (args: string[], readOnly: boolean) => Reply;
  /** Runs fn with the keyspace clock stopped, as Redis 7 expires no key during a script. */
  frozen: <T>(fn: () => T) => T;
  /** Wall-clock ms after which a running script is stopped with an error. */
  timeLimitMs: number;
}

/** The script cache and the Lua VM behind EVAL, EVALSHA and SCRIPT. */
export interface Scripting {
  eval(script: string, keys: readonly string[], args: readonly string[], readOnly: boolean): Reply;
  evalsha(sha: string, keys: readonly string[], args: readonly string[], readOnly: boolean): Reply;
  /** SCRIPT LOAD: compiles and caches; the reply is the sha1 or the compile error. */
  load(script: string): Reply;
  /** SCRIPT EXISTS: 1 or 0 per sha. */
  exists(shas: readonly string[]): Reply;
  /** SCRIPT FLUSH. */
  flush(): void;
}

interface CachedScript {
  readonly compiled: CompiledScript;
  readonly flags: ReadonlySet<ScriptFlag>;
}

export const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';

/** Scripting for one engine; the Lua VM starts on the first script. */
export function createScripting({ dispatch, frozen, timeLimitMs }: ScriptingOptions): Scripting {
  const cache = new Map<string, CachedScript>();
  let vm: LuaVm | null = null;
  let readOnlyRun = false;
  const callFromScript = (args: string[]) => dispatch(args, readOnlyRun);

  const compile = (sha: string, script: string): CachedScript | Reply => {
    const cached = cache.get(sha);
    if (cached) return cached;
    const shebang = parseShebang(script);
    if (!shebang.ok) return errorReply(shebang.error);
    vm ??= createLuaVm({ call: callFromScript, timeLimitMs });
    const compiled = vm.compile(shebang.body);
    if (!compiled.ok) return errorReply(compiled.error);
    const entry = { compiled: compiled.script, flags: shebang.flags };
    cache.set(sha, entry);
    return entry;
  };

  const run = (
    sha: string,
    entry: CachedScript,
    keys: readonly string[],
    args: readonly string[],
    readOnly: boolean,
  ): Reply => {
    const machine = vm;
    if (!machine) return errorReply('ERR the Lua VM is not running');
    readOnlyRun = readOnly || entry.flags.has('no-writes');
    return frozen(() => machine.run(entry.compiled, sha, keys, args));
  };

  return {
    eval(script, keys, args, readOnly) {
      const sha = sha1hex(script);
      const entry = compile(sha, script);
      return 'compiled' in entry ? run(sha, entry, keys, args, readOnly) : entry;
    },
    evalsha(sha, keys, args, readOnly) {
      const key = sha.toLowerCase();
      const entry = cache.get(key);
      return entry ? run(key, entry, keys, args, readOnly) : errorReply(NOSCRIPT);
    },
    load(script) {
      const sha = sha1hex(script);
      const entry = compile(sha, script);
      return 'compiled' in entry ? bulk(sha) : entry;
    },
    exists: (shas) => array(shas.map((sha) => integer(cache.has(sha.toLowerCase()) ? 1 : 0))),
    flush() {
      for (const entry of cache.values()) vm?.release(entry.compiled);
      cache.clear();
    },
  };
}
