import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalDecimal, jsNumberToText, numberProblem, textToBigInt } from '../../src/marshal/numbers.js';

/** Reference canonical text of mantissa * 10^exponent, computed with bigint arithmetic only. */
function reference(negative: boolean, mantissa: bigint, exponent: number): string {
  if (mantissa === 0n) return '0';
  let m = mantissa;
  let e = exponent;
  while (m % 10n === 0n) {
    m /= 10n;
    e += 1;
  }
  const digits = m.toString();
  const sign = negative ? '-' : '';
  if (e >= 0) return sign + digits + '0'.repeat(e);
  const point = digits.length + e;
  if (point > 0) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign}0.${'0'.repeat(-point)}${digits}`;
}

/** Significant digits and magnitude (exponent of the leading digit) of mantissa * 10^exponent. */
function shape(mantissa: bigint, exponent: number): { digits: number; magnitude: number } {
  let m = mantissa;
  let e = exponent;
  while (m !== 0n && m % 10n === 0n) {
    m /= 10n;
    e += 1;
  }
  const digits = m.toString().length;
  return { digits, magnitude: e + digits - 1 };
}

/** Several spellings of mantissa * 10^exponent: exponent form, fixed form with padding zeros, signs. */
const spelling = fc
  .record({
    negative: fc.boolean(),
    mantissa: fc.bigInt({ min: 0n, max: 10n ** 45n }),
    exponent: fc.integer({ min: -150, max: 140 }),
    style: fc.constantFrom('exp', 'EXP', 'fixed', 'padded', 'plus'),
    lead: fc.nat(3),
    trail: fc.nat(3),
  })
  .map(({ negative, mantissa, exponent, style, lead, trail }) => {
    const sign = negative ? '-' : style === 'plus' ? '+' : '';
    const m = mantissa.toString();
    let text: string;
    if (style === 'exp') text = `${sign}${m}e${exponent}`;
    else if (style === 'EXP' || style === 'plus') text = `${sign}${m}E${exponent >= 0 ? '+' : ''}${exponent}`;
    else {
      // Fixed notation: place the decimal point, then pad with zeros that do not change the value.
      const fixed = reference(false, mantissa, exponent);
      const [int = '', frac] = fixed.split('.');
      const zerosAfter = style === 'padded' ? '0'.repeat(trail) : '';
      const fraction = frac !== undefined ? `.${frac}${zerosAfter}` : zerosAfter ? `.${zerosAfter}` : '';
      text = `${sign}${'0'.repeat(style === 'padded' ? lead : 0)}${int}${fraction}`;
    }
    return { text, negative, mantissa, exponent };
  });

describe('numberProblem', () => {
  test('accepts plain, signed, fractional and exponent forms', () => {
    for (const text of ['0', '-0', '+7', '42', '-42', '1.5', '.5', '5.', '0.000', '1e3', '1E+3', '1e-3', '-2.5E-7', '00012.3400']) {
      expect(numberProblem(text), text).toBeUndefined();
    }
  });

  test('rejects text that is not a decimal number', () => {
    for (const text of ['', '.', '-', '+', 'e5', '1e', '1e+', '--1', '1.2.3', ' 1', '1 ', 'NaN', 'Infinity', '-Infinity', '0x10', '1_000', '1,5', 'abc', '1e1.5']) {
      expect(numberProblem(text), JSON.stringify(text)).toMatch(/not a decimal number/);
    }
  });

  test('keeps at most 38 significant digits, ignoring leading and trailing zeros', () => {
    const d38 = '12345678901234567890123456789012345678';
    expect(numberProblem(d38)).toBeUndefined();
    expect(numberProblem(`-${d38}`)).toBeUndefined();
    expect(numberProblem(`0.${d38}`)).toBeUndefined();
    expect(numberProblem(`000${d38}000`)).toBeUndefined();
    expect(numberProblem(`${d38.slice(0, 20)}.${d38.slice(20)}`)).toBeUndefined();
    expect(numberProblem(`${d38}9`)).toMatch(/39 significant digits/);
    expect(numberProblem(`1.${d38}`)).toMatch(/39 significant digits/);
    expect(numberProblem(`1${'0'.repeat(100)}`)).toBeUndefined(); // one significant digit
  });

  test('magnitude limits: 1E-130 up to 9.99..E+125', () => {
    expect(numberProblem('1E-130')).toBeUndefined();
    expect(numberProblem('-1E-130')).toBeUndefined();
    expect(numberProblem('9.9999999999999999999999999999999999999E+125')).toBeUndefined();
    expect(numberProblem('-9.9999999999999999999999999999999999999E+125')).toBeUndefined();
    expect(numberProblem('1E+125')).toBeUndefined();
    expect(numberProblem('1E+126')).toMatch(/above 9.99E\+125/);
    expect(numberProblem('10E+125')).toMatch(/above/);
    expect(numberProblem('-1E+126')).toMatch(/above/);
    expect(numberProblem('9.9E-131')).toMatch(/below 1E-130/);
    expect(numberProblem('0.1E-130')).toMatch(/below/);
    expect(numberProblem(`0.${'0'.repeat(129)}1`)).toBeUndefined(); // 1E-130
    expect(numberProblem(`0.${'0'.repeat(130)}1`)).toMatch(/below/); // 1E-131
    expect(numberProblem('0E+999')).toBeUndefined(); // zero has no magnitude
  });

  test('absurd exponents are rejected without building huge strings', () => {
    expect(numberProblem('1e99999999999999999999')).toBeDefined();
    expect(numberProblem('1e9007199254740990')).toMatch(/above/);
    expect(numberProblem('1e-9007199254740990')).toMatch(/below/);
  });

  test('property: agrees with a reference on digits and magnitude', () => {
    fc.assert(
      fc.property(spelling, ({ text, mantissa, exponent }) => {
        const problem = numberProblem(text);
        if (mantissa === 0n) return problem === undefined;
        const { digits, magnitude } = shape(mantissa, exponent);
        const ok = digits <= 38 && magnitude <= 125 && magnitude >= -130;
        return ok ? problem === undefined : problem !== undefined;
      }),
      { numRuns: 500 },
    );
  });
});

describe('canonicalDecimal', () => {
  test('examples', () => {
    expect(canonicalDecimal('001.500')).toBe('1.5');
    expect(canonicalDecimal('1e3')).toBe('1000');
    expect(canonicalDecimal('1.5E-3')).toBe('0.0015');
    expect(canonicalDecimal('-0.000')).toBe('0');
    expect(canonicalDecimal('-0')).toBe('0');
    expect(canonicalDecimal('+12')).toBe('12');
    expect(canonicalDecimal('.5')).toBe('0.5');
    expect(canonicalDecimal('5.')).toBe('5');
    expect(canonicalDecimal('-12.340e1')).toBe('-123.4');
    expect(canonicalDecimal('123456789012345678901234567890.12345678')).toBe('123456789012345678901234567890.12345678');
  });

  test('throws on text that is not a number', () => {
    expect(() => canonicalDecimal('abc')).toThrow(/not a decimal number/);
    expect(() => canonicalDecimal('')).toThrow();
  });

  test('property: equals the reference canonical form of the value, whatever the spelling', () => {
    fc.assert(
      fc.property(spelling, ({ text, negative, mantissa, exponent }) => {
        expect(canonicalDecimal(text)).toBe(reference(negative, mantissa, exponent));
      }),
      { numRuns: 500 },
    );
  });

  test('property: idempotent, no exponent, no superfluous zeros, valid for numberProblem', () => {
    fc.assert(
      fc.property(spelling, ({ text }) => {
        const c = canonicalDecimal(text);
        expect(canonicalDecimal(c)).toBe(c);
        expect(c).toMatch(/^-?(0|[1-9]\d*)(\.\d*[1-9])?$/);
        expect(c).not.toBe('-0');
      }),
      { numRuns: 300 },
    );
  });

  test('property: preserves the value of JS numbers', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e100, max: 1e100 }), (x) => {
        expect(Number(canonicalDecimal(String(x)))).toBe(x === 0 ? 0 : x);
      }),
      { numRuns: 500 },
    );
  });
});

describe('jsNumberToText', () => {
  test('examples', () => {
    expect(jsNumberToText(0)).toBe('0');
    expect(jsNumberToText(-0)).toBe('0');
    expect(jsNumberToText(1250)).toBe('1250');
    expect(jsNumberToText(-1.5)).toBe('-1.5');
    expect(jsNumberToText(1e-7)).toBe('0.0000001');
    expect(jsNumberToText(1e21)).toBe('1000000000000000000000');
    expect(jsNumberToText(2 ** 53)).toBe('9007199254740992');
    expect(jsNumberToText(1.7976931348623157e308)).toMatch(/^179769313486231570+$/);
  });

  test('property: the text has no exponent and reads back as the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = jsNumberToText(x);
        expect(text).not.toMatch(/[eE]/);
        expect(Number(text)).toBe(x === 0 ? 0 : x);
        expect(canonicalDecimal(text)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  test('property: every double within DynamoDB range is storable (at most 17 significant digits)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e125, max: 1e125 }), (x) => {
        fc.pre(x === 0 || Math.abs(x) >= 1e-130);
        expect(numberProblem(jsNumberToText(x))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe('textToBigInt', () => {
  test('examples', () => {
    expect(textToBigInt('0')).toBe(0n);
    expect(textToBigInt('-0')).toBe(0n);
    expect(textToBigInt('12345678901234567890123456789012345678')).toBe(12345678901234567890123456789012345678n);
    expect(textToBigInt('-9007199254740993')).toBe(-9007199254740993n);
    expect(textToBigInt('1E+30')).toBe(10n ** 30n);
    expect(textToBigInt('12.5e1')).toBe(125n);
    expect(textToBigInt('1200.000')).toBe(1200n);
  });

  test('rejects fractions and non-numbers', () => {
    expect(() => textToBigInt('1.5')).toThrow(/not an integer/);
    expect(() => textToBigInt('1e-1')).toThrow(/not an integer/);
    expect(() => textToBigInt('x')).toThrow();
  });

  test('property: bigint text round-trips exactly, in plain and exponent form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }), fc.integer({ min: 0, max: 60 }), (b, k) => {
        expect(textToBigInt(b.toString())).toBe(b);
        expect(textToBigInt(`${b}e${k}`)).toBe(b * 10n ** BigInt(k));
        expect(textToBigInt(`${b}${'0'.repeat(k)}E-${k}`)).toBe(b);
      }),
      { numRuns: 500 },
    );
  });
});
