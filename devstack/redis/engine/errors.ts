/** Thrown inside a command handler; the dispatcher turns it into an error reply. */
export class CommandError extends Error {
  override name = 'CommandError';
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const NOT_FLOAT = 'ERR value is not a valid float';
export const SYNTAX = 'ERR syntax error';
export const OVERFLOW = 'ERR increment or decrement would overflow';
export const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';

export const wrongArity = (name: string) => `ERR wrong number of arguments for '${name}' command`;

export const invalidExpireTime = (name: string) => `ERR invalid expire time in '${name}' command`;

export function fail(message: string): never {
  throw new CommandError(message);
}
