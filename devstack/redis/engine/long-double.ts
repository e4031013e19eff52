/**
 * INCRBYFLOAT and HINCRBYFLOAT compute in C `long double` (x87 80-bit, 64-bit significand) and
 * print with "%.17Lf", so 0.1 + 0.2 is "0.3" while 10000000000.1 prints as
 * "10000000000.09999999962747097". JS doubles cannot reproduce that, so this module does
 * the arithmetic on exact rationals and rounds to a 64-bit significand like the FPU does.
 */

/** An exact non-NaN value: numerator / denominator, the denominator a power of two after rounding. */
export interface LongDouble {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const SIGNIFICAND_BITS = 64;
// Largest binary exponent of an 80-bit long double; beyond it the value is infinite.
const MAX_EXPONENT = 16384;
const MIN_EXPONENT = -16445;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

const bitLength = (n: bigint) => (n === 0n ? 0 : n.toString(2).length);

/** Rounds |n/d| to 64 significant bits, ties to even; null when it overflows. */
function round(numerator: bigint, denominator: bigint): LongDouble | null {
  if (numerator === 0n) return { numerator: 0n, denominator: 1n };
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let shift = SIGNIFICAND_BITS - (bitLength(n) - bitLength(denominator));
  let quotient: bigint;
  let remainder: bigint;
  let divisor: bigint;
  for (;;) {
    const scaled = shift >= 0 ? n << BigInt(shift) : n;
    divisor = shift >= 0 ? denominator : denominator << BigInt(-shift);
    quotient = scaled / divisor;
    remainder = scaled % divisor;
    if (quotient >= 1n << BigInt(SIGNIFICAND_BITS)) shift -= 1;
    else if (quotient < 1n << BigInt(SIGNIFICAND_BITS - 1)) shift += 1;
    else break;
  }
  const twice = remainder * 2n;
  if (twice > divisor || (twice === divisor && (quotient & 1n) === 1n)) quotient += 1n;
  const exponent = bitLength(quotient) - shift;
  if (exponent > MAX_EXPONENT) return null;
  if (exponent < MIN_EXPONENT) return { numerator: 0n, denominator: 1n };
  const signed = negative ? -quotient : quotient;
  return shift >= 0
    ? { numerator: signed, denominator: 1n << BigInt(shift) }
    : { numerator: signed << BigInt(-shift), denominator: 1n };
}

/** strtold over the whole string as Redis' string2ld accepts it; null when Redis would refuse. */
export function parseLongDouble(text: string): LongDouble | null {
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  if (whole === '' && fraction === '') return null;
  const digits = BigInt(`${whole}${fraction}` || '0');
  const exponent = Number(exponentText) - fraction.length;
  if (digits === 0n) return { numerator: 0n, denominator: 1n };
  if (Math.abs(exponent) > 6000) return null;
  const signed = sign === '-' ? -digits : digits;
  const rounded =
    exponent >= 0
      ? round(signed * 10n ** BigInt(exponent), 1n)
      : round(signed, 10n ** BigInt(-exponent));
  // strtold reports ERANGE for overflow and for underflow to zero; Redis refuses both.
  if (!rounded || rounded.numerator === 0n) return null;
  return rounded;
}

/** a + b rounded like the FPU; null when the sum is infinite. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  return round(
    a.numerator * b.denominator + b.numerator * a.denominator,
    a.denominator * b.denominator,
  );
}

/** printf("%.17Lf") with trailing zeros and a bare '.' removed, and "-0" shown as "0". */
export function formatLongDouble(value: LongDouble): string {
  const scale = 10n ** 17n;
  const negative = value.numerator < 0n;
  const n = (negative ? -value.numerator : value.numerator) * scale;
  let units = n / value.denominator;
  const twice = (n % value.denominator) * 2n;
  if (twice > value.denominator || (twice === value.denominator && (units & 1n) === 1n))
    units += 1n;
  const text = units.toString().padStart(18, '0');
  const whole = text.slice(0, -17);
  const fraction = text.slice(-17).replace(/0+$/, '');
  const body = fraction ? `${whole}.${fraction}` : whole;
  return negative && body !== '0' ? `-${body}` : body;
}

/** strtold also accepts infinities; Redis lets them through and then refuses the infinite sum. */
export const isInfinityText = (text: string) => /^[+-]?(inf|infinity)$/i.test(text);
