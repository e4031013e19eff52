/** `error` itself when it is an Error, else an Error whose message is `String(error)`. */
export function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
