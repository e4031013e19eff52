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
  /** Whether a line at `level` would be written now (to skip building one that would not). */
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  service: string;
  /** Lowest level written, or a function read per line (a live setting). Default `info`. */
  level?: LogLevel | (() => LogLevel);
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

/** What every logger derived from one `createLogger` call shares. */
interface LogSink {
  readonly service: string;
  readonly threshold: () => number;
  readonly redact: Redactor;
  readonly write: (line: string, level: LogLevel) => void;
  readonly now: () => number;
}

/**
 * Methods on the prototype: `with` copies its fields and makes no closures, and a line below the
 * level returns before anything is built, so a request whose lines are filtered out pays ~nothing.
 */
class JsonLogger implements Logger {
  constructor(
    private readonly sink: LogSink,
    private readonly bound: LogFields,
  ) {}

  debug(message: string, fields?: LogFields): void {
    this.emit('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.emit('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.emit('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.emit('error', message, fields);
  }

  with(fields: LogFields): Logger {
    return new JsonLogger(this.sink, { ...this.bound, ...fields });
  }

  enabled(level: LogLevel): boolean {
    return levelRank[level] >= this.sink.threshold();
  }

  private emit(level: LogLevel, message: string, fields?: LogFields): void {
    const { service, threshold, redact, write, now } = this.sink;
    if (levelRank[level] < threshold()) return;
    const line = JSON.stringify(
      { time: new Date(now()).toISOString(), level, service, ...this.bound, message, ...fields },
      replacer,
    );
    write(redact(line), level);
  }
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
  const rank = levelRank;
  const threshold =
    typeof level === 'function'
      ? () => rank[level()]
      : (
          (fixed: number) => () =>
            fixed
        )(rank[level]);
  return new JsonLogger({ service, threshold, redact, write, now }, {});
}
