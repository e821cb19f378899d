import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSize } from '../../../runtime/config/index.ts';

describe('sizes', () => {
  test('reads whole bytes and binary or decimal units', () => {
    assert.equal(parseSize(1024), 1024);
    assert.equal(parseSize('1024'), 1024);
    assert.equal(parseSize('64KiB'), 65_536);
    assert.equal(parseSize('16MiB'), 16 * 1024 * 1024);
    assert.equal(parseSize('1GiB'), 1024 ** 3);
    assert.equal(parseSize('10MB'), 10_000_000);
    assert.equal(parseSize('1.5KiB'), 1536);
    assert.equal(parseSize('0'), 0);
  });

  test('rejects negative sizes, fractions of a byte and unknown units', () => {
    assert.throws(() => parseSize(-1), /negative/);
    assert.throws(() => parseSize('1.5'), /whole number/);
    assert.throws(() => parseSize('10 parsecs'), /unknown unit "parsecs"/);
    assert.throws(() => parseSize('lots'), /not a size/);
  });
});
