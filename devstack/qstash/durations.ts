import { badInput } from './input-error.ts';

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const durationPattern = /^(?:\d+(?:ms|s|m|h|d))+$/;
const partPattern = /(\d+)(ms|s|m|h|d)/g;

/** A QStash duration (`10s`, `1d10h30m`, `500ms`) or, when `bareUnit` is set, a bare number. */
export function parseDuration(value: string, header: string, bareUnit?: 's' | 'ms'): number {
  const text = value.trim();
  if (bareUnit && /^\d+$/.test(text)) return Number(text) * unitMs[bareUnit]!;
  if (!durationPattern.test(text)) {
    throw badInput(
      `invalid ${header} "${value}": expected a duration such as 10s, 5m, 2h, 1d or 1d10h30m`,
    );
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(partPattern))
    total += Number(amount) * unitMs[unit!]!;
  return total;
}

/** A non-negative integer header such as Upstash-Retries. */
export function parseInteger(value: string, header: string, max: number): number {
  const text = value.trim();
  const number = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(number) || number > max) {
    throw badInput(`invalid ${header} "${value}": expected an integer from 0 to ${max}`);
  }
  return number;
}

const dayMs = 86_400_000;

/**
 * The wait a destination asks for in Retry-After / X-RateLimit-Reset: seconds, an HTTP date or a
 * duration like `6m5s`; capped at one day. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  let ms: number | undefined;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else if (/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(text)) {
    ms = 0;
    for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g))
      ms += Number(amount) * unitMs[unit!]!;
  } else {
    const date = Date.parse(text);
    if (!Number.isNaN(date)) ms = Math.max(0, date - nowMs);
  }
  return ms === undefined ? undefined : Math.min(ms, dayMs);
}
