import { fail, NOT_FLOAT, NOT_INTEGER } from './errors.ts';

export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);

/** Redis' string2ll: no sign but '-', no leading zeros, no spaces, within int64. */
export function parseInt64(text: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]{0,19})$/.test(text)) return null;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

export function requireInt64(text: string, message = NOT_INTEGER): bigint {
  return parseInt64(text) ?? fail(message);
}

/** An int64 argument as a JS number; Redis' limits are far beyond what a dev store holds. */
export function requireInteger(text: string, message = NOT_INTEGER): number {
  return Number(requireInt64(text, message));
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)(inf|infinity)$/i;

/** strtod as Redis uses it: the whole string, no leading space, no NaN, no over/underflow. */
export function parseDouble(text: string): number | null {
  const inf = INFINITY.exec(text);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  if (!DECIMAL.test(text)) return null;
  const value = Number(text);
  if (!Number.isFinite(value)) return null;
  if (value === 0 && /[1-9]/.test(text.split(/[eE]/)[0] ?? '')) return null;
  return value;
}

export function requireDouble(text: string, message = NOT_FLOAT): number {
  return parseDouble(text) ?? fail(message);
}

/** Redis 7.0 replies with doubles formatted as printf("%.17g"); -0 is shown as 0. */
export function formatDouble(value: number): string {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return '0';
  const [mantissa = '', exponentText = '0'] = value.toExponential(16).split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= 17) {
    const fraction = digits.slice(1).replace(/0+$/, '');
    const expSign = exponent < 0 ? '-' : '+';
    const expDigits = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${digits[0]}${fraction ? `.${fraction}` : ''}e${expSign}${expDigits}`;
  }
  const padded = exponent < 0 ? '0'.repeat(-exponent) + digits : digits;
  const pointAt = exponent < 0 ? 1 : exponent + 1;
  const whole = padded.slice(0, pointAt);
  const fraction = padded.slice(pointAt).replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}
