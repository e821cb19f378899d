// Go-style durations (`500ms`, `10s`, `1m30s`, `1.5h`), as wsbalancer's time.ParseDuration reads them
// and as Go's Duration.String() prints them. Values are carried in milliseconds (fractions allowed).

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 micro sign
  μs: 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const HINT = 'write a number and a unit (ns, us, ms, s, m, h), e.g. 10s, 500ms or 1m30s';

/** Parses a Go duration string into milliseconds; throws a RangeError that says how to fix it. */
export function parseDuration(value: string): number {
  const result = checkDuration(value);
  if (typeof result === 'string') throw new RangeError(result);
  return result;
}

/** Milliseconds, or the reason the value is not a duration (a bare number gets a unit suggestion). */
export function checkDuration(value: unknown): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `${value} is not a duration: ${HINT}`;
    return `${value} has no unit (wsbalancer read a bare number as nanoseconds): did you mean ${Math.abs(value)}s?`;
  }
  if (typeof value !== 'string') return `expected a duration such as 10s, got ${describeValue(value)}`;
  const text = value;
  if (text.trim() === '') return `an empty string is not a duration: ${HINT}`;
  if (text.startsWith('-')) return `"${value}" is negative: a duration must be 0 or more`;
  const body = text.startsWith('+') ? text.slice(1) : text;
  if (/^[0-9]+(\.[0-9]*)?$/.test(body)) return `"${value}" has no unit: did you mean ${body}s?`;
  let ns = 0;
  let rest = body;
  if (rest === '') return `"${value}" is not a duration: ${HINT}`;
  while (rest !== '') {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(rest);
    const whole = m?.[1] ?? '';
    const frac = m?.[2];
    if (whole === '' && (frac === undefined || frac === '')) return `"${value}" is not a duration: ${HINT}`;
    rest = rest.slice(m![0].length);
    const unitMatch = /^[^0-9.]*/.exec(rest)![0];
    const unit = UNIT_NS[unitMatch];
    if (unit === undefined) {
      if (unitMatch === '') return `"${value}" has no unit after ${m![0]}: ${HINT}`;
      return `"${value}" has an unknown unit "${unitMatch}": ${HINT}`;
    }
    ns += Number(`${whole || '0'}.${frac || '0'}`) * unit;
    rest = rest.slice(unitMatch.length);
  }
  return ns / 1e6;
}

/** Prints milliseconds the way Go's time.Duration.String() does: 10m0s, 10s, 1.5s, 500ms, 1h0m0s. */
export function formatGoDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${fraction(ns, 3)}µs`;
  if (ns < 1e9) return `${sign}${fraction(ns, 6)}ms`;
  const hours = Math.floor(ns / 3600e9);
  const minutes = Math.floor((ns % 3600e9) / 60e9);
  const seconds = fraction(ns % 60e9, 9);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** `value / 10^digits` printed with the trailing zeros of the fraction removed (Go's fmtFrac). */
function fraction(value: number, digits: number): string {
  const unit = 10 ** digits;
  const whole = Math.floor(value / unit);
  const frac = String(value % unit)
    .padStart(digits, '0')
    .replace(/0+$/, '');
  return frac === '' ? String(whole) : `${whole}.${frac}`;
}

/** A short description of a config value for messages: `"abc"`, `10`, `a list`, `a mapping`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
