const traceparentPattern = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** True for a well-formed W3C `traceparent` header value. */
export function isTraceparent(value: string | undefined): value is string {
  return value !== undefined && traceparentPattern.test(value);
}

/** The 32-hex trace id of a well-formed `traceparent`, else undefined. */
export function traceIdOfTraceparent(value: string | undefined): string | undefined {
  return value === undefined ? undefined : traceparentPattern.exec(value)?.[1];
}
