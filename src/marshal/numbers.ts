/**
 * DynamoDB numbers: up to 38 significant digits, magnitude between 1E-130 and 9.99..E+125.
 * JavaScript numbers cannot carry that, so big values travel as `bigint` or as decimal strings and are
 * never passed through `Number()` unless the attribute is a plain JS number. Hand-written because the
 * SDK only wraps numbers; it does not validate or normalise them.
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The parts of a decimal number: sign, significant digits without leading/trailing zeros, exponent of the last digit. */
export interface DecimalParts {
  readonly negative: boolean;
  /** Significant digits, no leading or trailing zeros; empty for zero. */
  readonly digits: string;
  /** Value = digits * 10^exponent. */
  readonly exponent: number;
}

export function parseDecimal(text: string): DecimalParts | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const [, sign = '', intPart = '', fracPart = '', expPart] = m;
  if (intPart === '' && fracPart === '') return undefined;
  let digits = intPart + fracPart;
  let exponent = (expPart ? Number(expPart) : 0) - fracPart.length;
  if (!Number.isSafeInteger(exponent)) return undefined;
  digits = digits.replace(/^0+/, '');
  const trailing = /0*$/.exec(digits)?.[0].length ?? 0;
  if (trailing > 0) {
    digits = digits.slice(0, digits.length - trailing);
    exponent += trailing;
  }
  return { negative: sign === '-' && digits !== '', digits, exponent: digits === '' ? 0 : exponent };
}

/** Why a number cannot be stored in DynamoDB, or `undefined` when it can. */
export function numberProblem(text: string): string | undefined {
  const parts = parseDecimal(text);
  if (!parts) return 'not a decimal number';
  if (parts.digits === '') return undefined;
  if (parts.digits.length > 38) return `${parts.digits.length} significant digits; DynamoDB keeps at most 38`;
  // Magnitude: the leading digit sits at 10^(exponent + digits - 1).
  const magnitude = parts.exponent + parts.digits.length - 1;
  if (magnitude > 125) return 'magnitude above 9.99E+125, the largest number DynamoDB stores';
  if (magnitude < -130) return 'magnitude below 1E-130, the smallest number DynamoDB stores';
  return undefined;
}

/** Canonical decimal text (no exponent, no superfluous zeros): `'001.500'` -> `'1.5'`, `'1e3'` -> `'1000'`. */
export function canonicalDecimal(text: string): string {
  const parts = parseDecimal(text);
  if (!parts) throw new Error('not a decimal number');
  if (parts.digits === '') return '0';
  const sign = parts.negative ? '-' : '';
  if (parts.exponent >= 0) return sign + parts.digits + '0'.repeat(parts.exponent);
  const point = parts.digits.length + parts.exponent;
  if (point > 0) return `${sign}${parts.digits.slice(0, point)}.${parts.digits.slice(point)}`;
  return `${sign}0.${'0'.repeat(-point)}${parts.digits}`;
}

/** Text of a JS number as DynamoDB accepts it, or a problem. */
export function jsNumberToText(value: number): string {
  // String(1e21) is '1e+21', which DynamoDB accepts; canonical form keeps the stored text readable.
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? String(value) : canonicalDecimal(String(value));
}

/** Parses an integer text (possibly in exponent form) exactly into a bigint. */
export function textToBigInt(text: string): bigint {
  const canonical = canonicalDecimal(text);
  if (canonical.includes('.')) throw new Error('not an integer');
  return BigInt(canonical);
}
