import { isSecretFieldName, redacted, type Redactor } from './redact.ts';

/** Severity of a log line, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Extra fields of one log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** One JSON line per event: time, level, service, traceId, spanId, message and fields. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines also carry `fields` (e.g. traceId and spanId). */
  with(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  /** Lowest level written. Default `info`. */
  level?: LogLevel;
  /** Masks secrets in the final line. Default: bearer tokens and URL passwords only. */
  redact?: Redactor;
  /** Where lines go. Default console.log (warn and error: console.error). */
  write?: (line: string, level: LogLevel) => void;
  /** Milliseconds clock. Default Date.now. */
  now?: () => number;
}

function describeError(error: Error): Record<string, unknown> {
  return {
    name: error.name,
    message: error.message,
    ...('code' in error && typeof error.code === 'string' ? { code: error.code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
    ...(error.cause instanceof Error ? { cause: describeError(error.cause) } : {}),
  };
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  if (key !== '' && isSecretFieldName(key) && value !== undefined && value !== null)
    return redacted;
  if (value instanceof Error) return describeError(value);
  if (value instanceof Headers) return Object.fromEntries(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function defaultWrite(line: string, level: LogLevel): void {
  if (level === 'warn' || level === 'error') console.error(line);
  else console.log(line);
}

/**
 * Creates a structured logger that writes one JSON line per event and never writes secrets:
 * fields named like credentials are masked and the whole line goes through `redact`.
 * @example const log = createLogger({ service: 'orders', redact: redactorFor(env) }); log.info('placed', { orderId });
 */
export function createLogger({
  service,
  level = 'info',
  redact = (text) => text,
  write = defaultWrite,
  now = Date.now,
}: LoggerOptions): Logger {
  const threshold = levelRank[level];
  function build(bound: LogFields): Logger {
    const emit = (lineLevel: LogLevel, message: string, fields?: LogFields) => {
      if (levelRank[lineLevel] < threshold) return;
      const line = JSON.stringify(
        {
          time: new Date(now()).toISOString(),
          level: lineLevel,
          service,
          ...bound,
          message,
          ...fields,
        },
        replacer,
      );
      write(redact(line), lineLevel);
    };
    return {
      debug: (message, fields) => emit('debug', message, fields),
      info: (message, fields) => emit('info', message, fields),
      warn: (message, fields) => emit('warn', message, fields),
      error: (message, fields) => emit('error', message, fields),
      with: (fields) => build({ ...bound, ...fields }),
    };
  }
  return build({});
}
