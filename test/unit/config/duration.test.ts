import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatGoDuration, parseDuration } from '../../../runtime/config/index.ts';

describe('Go durations', () => {
  test('accepts Go syntax and returns milliseconds', () => {
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('10m0s'), 600_000);
    assert.equal(parseDuration('1h0m0s'), 3_600_000);
    assert.equal(parseDuration('250us'), 0.25);
    assert.equal(parseDuration('.5s'), 500);
  });

  test('a bare number is rejected with a unit suggestion', () => {
    assert.throws(() => parseDuration('10'), /did you mean 10s\?/);
  });

  test('negative, garbage and unknown units are rejected with a fix', () => {
    assert.throws(() => parseDuration('-1s'), /negative/);
    assert.throws(() => parseDuration('abc'), /not a duration.*10s/);
    assert.throws(() => parseDuration('10sec'), /unknown unit "sec"/);
    assert.throws(() => parseDuration(''), /empty/);
  });

  test('formats the way Go prints durations', () => {
    assert.equal(formatGoDuration(600_000), '10m0s');
    assert.equal(formatGoDuration(10_000), '10s');
    assert.equal(formatGoDuration(1_500), '1.5s');
    assert.equal(formatGoDuration(500), '500ms');
    assert.equal(formatGoDuration(3_600_000), '1h0m0s');
    assert.equal(formatGoDuration(90_000), '1m30s');
    assert.equal(formatGoDuration(0), '0s');
    assert.equal(formatGoDuration(0.25), '250µs');
    assert.equal(formatGoDuration(5_400_000), '1h30m0s');
  });

  test('formatting then parsing gives the same duration back', () => {
    for (const ms of [
      1, 50, 500, 999, 1_000, 1_500, 10_000, 59_999, 60_000, 90_500, 600_000, 3_600_000, 86_400_000,
    ]) {
      assert.equal(parseDuration(formatGoDuration(ms)), ms, `round trip of ${ms} ms`);
    }
  });
});
