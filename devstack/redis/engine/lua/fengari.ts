import { createRequire } from 'node:module';
import { formatG } from '../numbers.ts';

/** A fengari lua_State; opaque outside fengari. */
export type LuaState = { readonly __brand: 'lua_State' };
/** A Lua string as fengari holds it: raw bytes. */
export type LuaString = Uint8Array;
export type LuaFunction = (L: LuaState) => number;
type LuaHook = (L: LuaState, ar: unknown) => void;

/** The part of fengari's C-like API the scripting engine uses (fengari ships no types). */
export interface FengariApi {
  readonly lua: {
    readonly LUA_OK: number;
    readonly LUA_REGISTRYINDEX: number;
    readonly LUA_MASKCOUNT: number;
    readonly LUA_TNIL: number;
    readonly LUA_TBOOLEAN: number;
    readonly LUA_TNUMBER: number;
    readonly LUA_TSTRING: number;
    readonly LUA_TTABLE: number;
    lua_gettop(L: LuaState): number;
    lua_settop(L: LuaState, index: number): void;
    lua_type(L: LuaState, index: number): number;
    lua_tonumber(L: LuaState, index: number): number;
    lua_tolstring(L: LuaState, index: number): LuaString;
    lua_toboolean(L: LuaState, index: number): boolean;
    lua_checkstack(L: LuaState, n: number): boolean;
    lua_pushnil(L: LuaState): void;
    lua_pushnumber(L: LuaState, n: number): void;
    lua_pushstring(L: LuaState, s: LuaString): void;
    lua_pushboolean(L: LuaState, b: boolean): void;
    lua_pushvalue(L: LuaState, index: number): void;
    lua_pushjsfunction(L: LuaState, f: LuaFunction): void;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_rawseti(L: LuaState, index: number, n: number): void;
    lua_rawgeti(L: LuaState, index: number, n: number): number;
    lua_setfield(L: LuaState, index: number, key: LuaString): void;
    lua_rawget(L: LuaState, index: number): number;
    lua_setupvalue(L: LuaState, funcIndex: number, n: number): LuaString | null;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_call(L: LuaState, nargs: number, nresults: number): void;
    lua_error(L: LuaState): number;
    lua_sethook(L: LuaState, hook: LuaHook | null, mask: number, count: number): void;
    lua_setmetatable(L: LuaState, index: number): void;
    lua_touserdata(L: LuaState, index: number): unknown;
    lua_atnativeerror(L: LuaState, handler: LuaFunction): LuaFunction | null;
  };
  readonly lauxlib: {
    luaL_newstate(): LuaState;
    luaL_loadbuffer(L: LuaState, source: LuaString, size: number | null, name: LuaString): number;
    luaL_ref(L: LuaState, table: number): number;
    luaL_unref(L: LuaState, table: number, ref: number): void;
    luaL_requiref(L: LuaState, name: LuaString, open: LuaFunction, global: number): void;
    luaL_error(L: LuaState, format: LuaString, ...args: LuaString[]): number;
  };
  readonly lualib: {
    readonly luaopen_base: LuaFunction;
    readonly luaopen_table: LuaFunction;
    readonly luaopen_string: LuaFunction;
    readonly luaopen_math: LuaFunction;
    readonly luaopen_coroutine: LuaFunction;
    readonly luaopen_debug: LuaFunction;
  };
}

interface FengariConf {
  LUA_COMPAT_FLOATSTRING: boolean;
  lua_number2str: (n: number) => string;
}

const requireCjs = createRequire(import.meta.url);

/**
 * fengari with Lua 5.1's number text, as Redis scripts see it: integral floats print without
 * ".0" (LUA_COMPAT_FLOATSTRING) and floats print with C's "%.14g" ("1e+15", not fengari's
 * "1000000000000000"). lobject.js copies both from luaconf.js when it loads, so luaconf's
 * exports are set before the rest of fengari is required. fengaricore.js comes first, as in
 * fengari.js, because defs.js and luaconf.js require each other.
 */
function loadFengari(): FengariApi {
  requireCjs('fengari/src/fengaricore.js');
  const conf = requireCjs('fengari/src/luaconf.js') as FengariConf;
  conf.LUA_COMPAT_FLOATSTRING = true;
  conf.lua_number2str = (n) => formatG(n, 14);
  return requireCjs('fengari') as FengariApi;
}

let loaded: FengariApi | undefined;

/** fengari, required on first use: it takes about a second to load on a busy machine. */
export function fengariApi(): FengariApi {
  return (loaded ??= loadFengari());
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Keys, numbers and short values are mostly ASCII; a loop beats TextEncoder's call overhead.
const SHORT = 64;

/** A JS string as Lua bytes (UTF-8). */
export function luaString(text: string): LuaString {
  if (text.length > SHORT) return encoder.encode(text);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return encoder.encode(text);
    bytes[i] = code;
  }
  return bytes;
}

/** Lua bytes as a JS string; bytes that are not UTF-8 become U+FFFD like the engine's other input. */
export function jsString(bytes: LuaString): string {
  if (bytes.length > SHORT) return decoder.decode(bytes);
  let text = '';
  for (const byte of bytes) {
    if (byte > 0x7f) return decoder.decode(bytes);
    text += String.fromCharCode(byte);
  }
  return text;
}
