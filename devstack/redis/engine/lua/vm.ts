import { createHash } from 'node:crypto';
import { errorReply, type Reply } from '../../reply.ts';
import { formatG } from '../numbers.ts';
import { pushErrorTable, pushReply, toReply } from './conversions.ts';
import { fengariApi, jsString, luaString, type LuaFunction, type LuaState } from './fengari.ts';
import { floatLiterals } from './float-literals.ts';
import { PRELUDE, REDIS_LIBRARY } from './prelude.ts';

export interface LuaVmOptions {
  /** Runs one command for redis.call / redis.pcall and returns its reply (errors included). */
  call: (args: string[]) => Reply;
  /** A script running longer than this (wall clock, ms) is stopped with an error. */
  timeLimitMs: number;
}

/** A compiled script: a reference to its function in the Lua registry. */
export interface CompiledScript {
  readonly ref: number;
}

export interface LuaVm {
  /** Compiles a script body (shebang line already blanked); the error is Redis' reply text. */
  compile(body: string): { ok: true; script: CompiledScript } | { ok: false; error: string };
  /** Runs a compiled script with KEYS and ARGV; sha names it in error replies. */
  run(script: CompiledScript, sha: string, keys: readonly string[], args: readonly string[]): Reply;
  /** Forgets a compiled script (SCRIPT FLUSH). */
  release(script: CompiledScript): void;
}

export const sha1hex = (text: string | Uint8Array) => createHash('sha1').update(text).digest('hex');

const CHUNK_NAME = luaString('@user_script');
const KEYS = luaString('KEYS');
const ARGV = luaString('ARGV');
const HOOK_EVERY = 10_000;
const ARG_TYPE_ERROR = 'Lua redis lib command arguments must be strings or integers';

/** The JS side of redis.call (raise = true) and redis.pcall (raise = false). */
function redisCall(call: LuaVmOptions['call'], raise: boolean): LuaFunction {
  const { lua } = fengariApi();
  const fail = (L: LuaState, message: string) => {
    pushErrorTable(L, message);
    return raise ? lua.lua_error(L) : 1;
  };
  return (L) => {
    const argc = lua.lua_gettop(L);
    if (argc === 0) return fail(L, 'Please specify at least one argument for this redis lib call');
    const args: string[] = [];
    for (let i = 1; i <= argc; i++) {
      const type = lua.lua_type(L, i);
      // Redis formats numbers with "%.17g"; lua_tolstring would use Lua's lossy "%.14g".
      if (type === lua.LUA_TNUMBER) args.push(formatG(lua.lua_tonumber(L, i), 17));
      else if (type === lua.LUA_TSTRING) args.push(jsString(lua.lua_tolstring(L, i)));
      else return fail(L, ARG_TYPE_ERROR);
    }
    const reply = call(args);
    if (reply.kind === 'error') return fail(L, `-${reply.message}`);
    pushReply(L, reply);
    return 1;
  };
}

function sha1Function(L: LuaState): number {
  const { lua } = fengariApi();
  if (lua.lua_gettop(L) !== 1) {
    pushErrorTable(L, 'wrong number of arguments');
    return lua.lua_error(L);
  }
  lua.lua_pushstring(L, luaString(sha1hex(lua.lua_tolstring(L, 1))));
  return 1;
}

function errorReplyFunction(L: LuaState): number {
  const { lua } = fengariApi();
  if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
    pushErrorTable(L, 'wrong number or type of arguments');
    return 1;
  }
  const text = jsString(lua.lua_tolstring(L, 1));
  pushErrorTable(L, text.startsWith('-') ? text : `-${text}`);
  return 1;
}

function floatLiteralsFunction(L: LuaState): number {
  const { lua } = fengariApi();
  lua.lua_pushstring(L, luaString(floatLiterals(jsString(lua.lua_tolstring(L, 1)))));
  return 1;
}

// Raised from JS, like Redis' C functions, so that the error handler reports the script's line.
function readonlyError(L: LuaState): number {
  const { lauxlib } = fengariApi();
  return lauxlib.luaL_error(L, luaString('Attempt to modify a readonly table'));
}

function missingGlobal(L: LuaState): number {
  const { lua, lauxlib } = fengariApi();
  return lauxlib.luaL_error(
    L,
    luaString("Script attempted to access nonexistent global variable '%s'"),
    lua.lua_tolstring(L, 2),
  );
}

function setFunction(L: LuaState, name: string, fn: LuaFunction): void {
  const { lua } = fengariApi();
  lua.lua_pushjsfunction(L, fn);
  lua.lua_setfield(L, -2, luaString(name));
}

/** Compiles the engine's own setup code, which must compile. */
function loadTrusted(L: LuaState, source: string, name: string): void {
  const { lua, lauxlib } = fengariApi();
  if (lauxlib.luaL_loadbuffer(L, luaString(source), null, luaString(`=${name}`)) !== lua.LUA_OK) {
    throw new Error(`lua ${name} does not compile: ${jsString(lua.lua_tolstring(L, -1))}`);
  }
}

/** Lua 5.3 leaves token names unquoted where Lua 5.1 wrote "'<eof>' expected near '<eof>'". */
const compileMessage = (message: string) =>
  message.replace(/(?<!')<(eof|name|string|number)>(?!')/g, "'<$1>'");

/** The error reply for a failed run, from the table Redis' message handler made. */
function runError(L: LuaState, sha: string): Reply {
  const { lua } = fengariApi();
  if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
    const text =
      lua.lua_type(L, -1) === lua.LUA_TSTRING
        ? jsString(lua.lua_tolstring(L, -1))
        : 'execution failure';
    return errorReply(`ERR Error running script ${sha}, ${text.slice(0, 100)}`);
  }
  const field = (name: string) => {
    lua.lua_pushstring(L, luaString(name));
    lua.lua_rawget(L, -2);
    const type = lua.lua_type(L, -1);
    const value =
      type === lua.LUA_TSTRING || type === lua.LUA_TNUMBER
        ? jsString(lua.lua_tolstring(L, -1))
        : null;
    lua.lua_settop(L, -2);
    return value;
  };
  const message = field('err') ?? '';
  const source = field('source');
  const line = field('line');
  const where = source !== null && line !== null ? ` script: ${sha}, on ${source}:${line}.` : '';
  return errorReply(`${message}${where}`.replace(/[\r\n]/g, ' '));
}

/**
 * A fengari Lua state set up like Redis 7.0's scripting engine: base, table, string, math
 * and coroutine libraries, the `redis` table, read-only globals, and Redis' error handler.
 */
export function createLuaVm({ call, timeLimitMs }: LuaVmOptions): LuaVm {
  const { lua, lauxlib, lualib } = fengariApi();
  const L = lauxlib.luaL_newstate();
  for (const [name, open] of [
    ['_G', lualib.luaopen_base],
    ['table', lualib.luaopen_table],
    ['string', lualib.luaopen_string],
    ['math', lualib.luaopen_math],
    ['coroutine', lualib.luaopen_coroutine],
  ] as const) {
    lauxlib.luaL_requiref(L, luaString(name), open, 1);
    lua.lua_settop(L, 0);
  }

  lua.lua_createtable(L, 0, 32);
  setFunction(L, 'call', redisCall(call, true));
  setFunction(L, 'pcall', redisCall(call, false));
  setFunction(L, 'sha1hex', sha1Function);
  setFunction(L, 'error_reply', errorReplyFunction);
  const redisIndex = lua.lua_gettop(L);

  loadTrusted(L, REDIS_LIBRARY, 'redis');
  lua.lua_pushvalue(L, redisIndex);
  lua.lua_call(L, 1, 0);

  loadTrusted(L, PRELUDE, 'prelude');
  lauxlib.luaL_requiref(L, luaString('debug'), lualib.luaopen_debug, 0);
  lua.lua_pushvalue(L, redisIndex);
  lua.lua_pushjsfunction(L, floatLiteralsFunction);
  lua.lua_pushjsfunction(L, readonlyError);
  lua.lua_pushjsfunction(L, missingGlobal);
  lua.lua_call(L, 5, 2);
  const envMetaRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  const handlerRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  lua.lua_settop(L, 0);

  // A JS exception inside a command (a bug) becomes a script error instead of leaving the
  // Lua state half unwound.
  lua.lua_atnativeerror(L, (failed) => {
    const cause = lua.lua_touserdata(failed, -1);
    const text = cause instanceof Error ? cause.message : String(cause);
    pushErrorTable(failed, `-ERR internal error in the embedded engine: ${text}`);
    return 1;
  });

  let deadline = Infinity;
  const TIME_LIMIT_ERROR =
    `-ERR Script ran longer than ${timeLimitMs} ms; the embedded engine stopped it ` +
    '(Redis would answer BUSY to everyone else until SCRIPT KILL)';
  lua.lua_sethook(
    L,
    (hooked) => {
      if (Date.now() <= deadline) return;
      pushErrorTable(hooked, TIME_LIMIT_ERROR);
      lua.lua_error(hooked);
    },
    lua.LUA_MASKCOUNT,
    HOOK_EVERY,
  );

  const pushStrings = (values: readonly string[]) => {
    lua.lua_createtable(L, values.length, 0);
    values.forEach((value, i) => {
      lua.lua_pushstring(L, luaString(value));
      lua.lua_rawseti(L, -2, i + 1);
    });
  };

  return {
    compile(body) {
      lua.lua_settop(L, 0);
      const status = lauxlib.luaL_loadbuffer(L, luaString(floatLiterals(body)), null, CHUNK_NAME);
      if (status === lua.LUA_OK) {
        return { ok: true, script: { ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX) } };
      }
      // The script as written gives the same error without our ".0"s in its "near '…'".
      const original = lauxlib.luaL_loadbuffer(L, luaString(body), null, CHUNK_NAME);
      const message = compileMessage(
        jsString(lua.lua_tolstring(L, original === lua.LUA_OK ? 1 : -1)),
      );
      lua.lua_settop(L, 0);
      return { ok: false, error: `ERR Error compiling script (new function): ${message}` };
    },
    run(script, sha, keys, args) {
      lua.lua_settop(L, 0);
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, handlerRef);
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, script.ref);
      lua.lua_createtable(L, 0, 2);
      pushStrings(keys);
      lua.lua_setfield(L, -2, KEYS);
      pushStrings(args);
      lua.lua_setfield(L, -2, ARGV);
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, envMetaRef);
      lua.lua_setmetatable(L, -2);
      lua.lua_setupvalue(L, 2, 1);
      deadline = Date.now() + timeLimitMs;
      try {
        const status = lua.lua_pcall(L, 0, 1, 1);
        return status === lua.LUA_OK ? toReply(L, -1) : runError(L, sha);
      } finally {
        deadline = Infinity;
        lua.lua_settop(L, 0);
      }
    },
    release(script) {
      lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, script.ref);
    },
  };
}
