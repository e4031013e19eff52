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
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^([+-]?)(inf|infinity)$/i;

/** C strtod over the whole string: decimal, hex ("0x1p3") and infinities; null if not all used. */
export function strtod(text: string): number | null {
  const inf = INFINITY.exec(text);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  if (DECIMAL.test(text)) return Number(text);
  const hex = HEX.exec(text);
  if (!hex) return null;
  const [, sign, whole = '', fraction = '', exponent = '0'] = hex;
  if (whole === '' && fraction === '') return null;
  const magnitude =
    Number.parseInt(`${whole}${fraction}` || '0', 16) *
    2 ** (Number(exponent) - 4 * fraction.length);
  return sign === '-' ? -magnitude : magnitude;
}

/** getDoubleFromObject: strtod with no leading space, no NaN, no overflow or underflow. */
export function parseDouble(text: string): number | null {
  const value = strtod(text);
  if (value === null || /^\s/.test(text)) return null;
  if (Number.isFinite(value) !== !/inf/i.test(text)) return null;
  if (value === 0 && /[1-9a-fA-F]/.test(text.replace(/^[+-]?0[xX]/, '').split(/[eEpP]/)[0] ?? '')) {
    return null;
  }
  return value;
}

export function requireDouble(text: string, message = NOT_FLOAT): number {
  return parseDouble(text) ?? fail(message);
}

/** Redis 7.0 replies with doubles formatted as printf("%.17g"); -0 is shown as 0. */
export function formatDouble(value: number): string {
  return value === 0 ? '0' : formatG(value, 17);
}

/**
 * C's printf("%.<precision>g") as glibc prints it on x86: "inf", "-inf", "-nan" (the sign x86
 * gives 0/0), "-0", exponents of at least two digits, trailing zeros removed.
 */
export function formatG(value: number, precision: number): string {
  if (Number.isNaN(value)) return '-nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  // Integers below 10^precision print in full either way; most numbers scripts send are.
  if (Number.isSafeInteger(value) && Math.abs(value) < 10 ** precision) return String(value);
  const [mantissa = '', exponentText = '0'] = value.toExponential(precision - 1).split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= precision) {
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
