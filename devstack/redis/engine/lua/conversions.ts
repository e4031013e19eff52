import { array, bulk, errorReply, integer, NIL, status, type Reply } from '../../reply.ts';
import { fengariApi, jsString, luaString, type LuaState } from './fengari.ts';

const ERR = luaString('err');
const OK_FIELD = luaString('ok');

/** Deeper tables than this answer like Redis running out of Lua stack. */
const MAX_DEPTH = 1000;

/**
 * Pushes a command's reply the way Redis 7.0 hands it to a script (RESP2): integers as
 * numbers, bulk strings as strings, nil as false, arrays as tables, status as {ok=…} and
 * errors as {err=…}. Numbers are pushed as floats, as Lua 5.1 had only doubles.
 */
export function pushReply(L: LuaState, reply: Reply): void {
  const { lua } = fengariApi();
  switch (reply.kind) {
    case 'integer':
      lua.lua_pushnumber(L, reply.value);
      return;
    case 'bulk':
      if (reply.value === null) lua.lua_pushboolean(L, false);
      else lua.lua_pushstring(L, luaString(reply.value));
      return;
    case 'status':
      pushField(L, OK_FIELD, reply.value);
      return;
    case 'error':
      pushErrorTable(L, `-${reply.message}`);
      return;
    case 'array': {
      if (reply.value === null) {
        lua.lua_pushboolean(L, false);
        return;
      }
      lua.lua_checkstack(L, 2);
      lua.lua_createtable(L, reply.value.length, 0);
      reply.value.forEach((item, i) => {
        pushReply(L, item);
        lua.lua_rawseti(L, -2, i + 1);
      });
    }
  }
}

function pushField(L: LuaState, field: Uint8Array, value: string): void {
  const { lua } = fengariApi();
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushstring(L, luaString(value));
  lua.lua_setfield(L, -2, field);
}

/**
 * Pushes {err=…} as Redis' luaPushErrorBuff builds it: "-CODE message" keeps its code, a text
 * without the leading '-' (or without a space after the code) gets "ERR", and a trailing
 * newline is trimmed.
 */
export function pushErrorTable(L: LuaState, text: string): void {
  pushField(L, ERR, errorTableMessage(text));
}

export function errorTableMessage(text: string): string {
  let code = 'ERR';
  let message = text;
  if (text.startsWith('-')) {
    const space = text.indexOf(' ');
    if (space < 0) message = text.slice(1);
    else {
      code = text.slice(1, space);
      message = text.slice(space + 1);
    }
  }
  return `${code} ${message.replace(/^[\r\n]+|[\r\n]+$/g, '')}`;
}

/**
 * The reply for the Lua value at index, as Redis 7.0 converts a script's result: numbers
 * truncated to integers, true → 1, false/nil → nil, {err=…} → error, {ok=…} → status, other
 * tables → arrays of their elements 1..n up to the first nil.
 */
export function toReply(L: LuaState, index: number, depth = 0): Reply {
  const { lua } = fengariApi();
  switch (lua.lua_type(L, index)) {
    case lua.LUA_TSTRING:
      return bulk(jsString(lua.lua_tolstring(L, index)));
    case lua.LUA_TNUMBER:
      return integer(luaNumberToInteger(lua.lua_tonumber(L, index)));
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, index) ? integer(1) : NIL;
    case lua.LUA_TTABLE:
      return tableToReply(L, index, depth);
    default:
      return NIL;
  }
}

function tableToReply(L: LuaState, index: number, depth: number): Reply {
  const { lua } = fengariApi();
  if (depth >= MAX_DEPTH || !lua.lua_checkstack(L, 4)) {
    return errorReply('ERR reached lua stack limit');
  }
  const table = index < 0 ? lua.lua_gettop(L) + index + 1 : index;
  const err = stringField(L, table, ERR);
  if (err !== null) return errorReply(err);
  const ok = stringField(L, table, OK_FIELD);
  if (ok !== null) return status(ok);
  const items: Reply[] = [];
  for (let i = 1; ; i++) {
    const type = lua.lua_rawgeti(L, table, i);
    if (type === lua.LUA_TNIL) {
      lua.lua_settop(L, -2);
      break;
    }
    items.push(toReply(L, -1, depth + 1));
    lua.lua_settop(L, -2);
  }
  return array(items);
}

/** t[field] when it is a string (rawget, as Redis reads it), else null. */
function stringField(L: LuaState, table: number, field: Uint8Array): string | null {
  const { lua } = fengariApi();
  lua.lua_pushstring(L, field);
  const type = lua.lua_rawget(L, table);
  const value = type === lua.LUA_TSTRING ? jsString(lua.lua_tolstring(L, -1)) : null;
  lua.lua_settop(L, -2);
  return value;
}

/** C's (long long) cast of a double on x86: truncation, and INT64_MIN for NaN and overflow. */
export function luaNumberToInteger(value: number): number {
  if (!Number.isFinite(value) || Math.abs(value) >= 2 ** 63) return -(2 ** 63);
  return Math.trunc(value) || 0;
}
