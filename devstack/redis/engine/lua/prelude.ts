/**
 * Lua run once when the VM starts, after the libraries and the `redis` table exist. It gets
 * (debug, redis, floatLiterals, readonlyError, missingGlobal) and returns (message handler, per-run environment metatable).
 *
 * It makes fengari's Lua 5.3 look like Redis 7.0's Lua 5.1 to the scripts a user writes:
 * 5.1 names back (unpack, math.pow, table.getn…), 5.3-only names gone, numbers as doubles,
 * Redis' error handler verbatim, and the globals and libraries read-only, with Redis' wording.
 */
export const PRELUDE = `
local debug, redis, floatLiterals, readonlyError, missingGlobal = ...
local real = _G
local load53, tonumber53, error, setmetatable = load, tonumber, error, setmetatable
local floor53, ceil53, next, tostring, type = math.floor, math.ceil, next, tostring, type

unpack = table.unpack
math.pow = function(x, y) return x ^ y end
math.mod = math.fmod
table.getn = function(t) return #t end
table.maxn = function(t)
  local max = 0
  for k in next, t do
    if type(k) == 'number' and k > max then max = k end
  end
  return max
end
string.gfind = string.gmatch
gcinfo = function() return 0 end

-- Lua 5.1 has only doubles: see float-literals.ts for why numbers stay floats.
tonumber = function(value, base)
  local n = tonumber53(value, base)
  if n then return n + 0.0 end
  return n
end
math.floor = function(x) return floor53(x) + 0.0 end
math.ceil = function(x) return ceil53(x) + 0.0 end

for _, name in next, {'rawlen', 'dofile', 'loadfile', 'print', 'require', 'utf8'} do
  real[name] = nil
end
for _, name in next, {'type', 'tointeger', 'ult', 'maxinteger', 'mininteger'} do
  math[name] = nil
end
for _, name in next, {'move', 'pack', 'unpack'} do table[name] = nil end
for _, name in next, {'pack', 'unpack', 'packsize'} do string[name] = nil end

local function readonly(t)
  return setmetatable({}, {
    __index = t,
    __newindex = readonlyError,
    __pairs = function() return next, t, nil end,
    __len = function() return #t end,
    __metatable = false,
  })
end
local globals = readonly(real)

local function loadText(chunk, name)
  if type(chunk) ~= 'string' then return nil, 'only strings can be loaded' end
  return load53(floatLiterals(chunk), name, 't', globals)
end
load = loadText
loadstring = loadText

for _, name in next, {'math', 'string', 'table', 'coroutine'} do real[name] = readonly(real[name]) end
real.redis = readonly(redis)
real._G = globals
setmetatable(real, {
  __index = missingGlobal,
  __newindex = readonlyError,
  __metatable = false,
})

-- Redis 7.0's __redis__err__handler: report the caller's line for errors raised in C
-- (fengari's functions written in JS say 'J' where C Lua says 'C').
local getinfo = debug.getinfo
local function handler(err)
  local i = getinfo(2, 'nSl')
  if i and (i.what == 'C' or i.what == 'J') then i = getinfo(3, 'nSl') end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end

return handler, {__index = real, __newindex = readonlyError, __metatable = false}
`;

/** The rest of the `redis` library that needs no JS: constants and no-ops. */
export const REDIS_LIBRARY = `
local redis = ...
redis.REDIS_VERSION = '7.0.0'
redis.REDIS_VERSION_NUM = 0x070000
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.log = function() end
redis.set_repl = function() end
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.status_reply = function(s)
  if type(s) ~= 'string' then return redis.error_reply('wrong number or type of arguments') end
  return {ok = s}
end
redis.setresp = function(version)
  if version == 2 then return end
  if version == 3 then error({err = 'ERR RESP3 is not supported by the embedded engine'}) end
  error({err = 'ERR RESP version must be 2 or 3.'})
end
`;
