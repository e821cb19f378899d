// Sizes in bytes: a whole number (1024) or a number with a unit (64KiB, 16MiB, 1.5GiB, 10MB).
import { describeValue } from './duration.ts';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  ki: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

const HINT = 'write whole bytes (1024) or a number and a unit: B, KiB, MiB, GiB (1024-based) or KB, MB, GB';

/** Parses a size into whole bytes; throws a RangeError that says how to fix it. */
export function parseSize(value: string | number): number {
  const result = checkSize(value);
  if (typeof result === 'string') throw new RangeError(result);
  return result;
}

/** Bytes, or the reason the value is not a size. */
export function checkSize(value: unknown): number | string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return `${value} is not a whole number of bytes: ${HINT}`;
    if (value < 0) return `${value} is negative: a size must be 0 or more`;
    return value;
  }
  if (typeof value !== 'string') return `expected a size such as 64KiB, got ${describeValue(value)}`;
  const m = /^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$/.exec(value);
  if (!m) return `"${value}" is not a size: ${HINT}`;
  const amount = Number(m[1]);
  if (amount < 0) return `"${value}" is negative: a size must be 0 or more`;
  const unit = UNITS[m[2].toLowerCase()];
  if (unit === undefined) return `"${value}" has an unknown unit "${m[2]}": ${HINT}`;
  if (m[2] === '' && !Number.isInteger(amount)) return `"${value}" is not a whole number of bytes: ${HINT}`;
  const bytes = Math.floor(amount * unit);
  if (!Number.isSafeInteger(bytes)) return `"${value}" is too large`;
  return bytes;
}
