import { CronExpressionParser } from 'cron-parser';
import { badInput } from './input-error.ts';

/** A validated Upstash-Cron: five fields, optionally prefixed by `CRON_TZ=Area/City`. */
export interface CronSchedule {
  expression: string;
  timeZone?: string;
  /** The first firing strictly after `afterMs`, unix ms. */
  next(afterMs: number): number;
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses an Upstash-Cron value; anything else is a 400 naming what is wrong. */
export function parseCron(value: string): CronSchedule {
  let text = value.trim();
  let timeZone: string | undefined;
  const prefix = /^CRON_TZ=(\S+)\s+/.exec(text);
  if (prefix) {
    timeZone = prefix[1]!;
    if (!validTimeZone(timeZone))
      throw badInput(`invalid Upstash-Cron "${value}": unknown time zone "${timeZone}"`);
    text = text.slice(prefix[0].length).trim();
  }
  const fields = text.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    throw badInput(
      `invalid Upstash-Cron "${value}": expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`,
    );
  }
  const expression = fields.join(' ');
  const options = (afterMs: number) => ({
    currentDate: new Date(afterMs),
    ...(timeZone ? { tz: timeZone } : { tz: 'UTC' }),
  });
  try {
    CronExpressionParser.parse(expression, options(Date.now())).next();
  } catch (error) {
    throw badInput(`invalid Upstash-Cron "${value}": ${(error as Error).message}`);
  }
  return {
    expression: value.trim(),
    ...(timeZone ? { timeZone } : {}),
    next: (afterMs) => CronExpressionParser.parse(expression, options(afterMs)).next().getTime(),
  };
}
