import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseOptions } from '../options.ts';

describe('npm run bench options', () => {
  test('default to the quick run: every scenario and target, 8 in flight, bars mix repeated', () => {
    const o = parseOptions([], '/tmp/r');
    assert.equal(o.full, false);
    assert.deepEqual([...o.scenarios], ['throughput', 'latency', 'idle', 'failover', 'reload']);
    assert.equal(o.targets.size, 6);
    assert.deepEqual(o.throughput.windows, [8]);
    assert.equal(o.throughput.headlineReps, 3);
    assert.equal(o.resultsDir, '/tmp/r');
  });

  test('--full runs longer, repeats, and also measures 1 message in flight', () => {
    const o = parseOptions(['--full'], '/tmp/r');
    assert.equal(o.throughput.reps, 3);
    assert.deepEqual(o.throughput.windows, [8, 1]);
    assert.ok(o.latency.rounds * o.latency.roundMs >= 20_000);
  });

  test('--only and --targets pick subsets and name the known values on a typo', () => {
    const o = parseOptions(['--only', 'latency,idle', '--targets', 'direct,nginx'], '/tmp/r');
    assert.deepEqual([...o.scenarios], ['latency', 'idle']);
    assert.deepEqual([...o.targets], ['direct', 'nginx']);
    assert.throws(
      () => parseOptions(['--only', 'latncy'], '/tmp/r'),
      /unknown scenario: latncy \(known: throughput/,
    );
    assert.throws(() => parseOptions(['--targets', 'envoy'], '/tmp/r'), /unknown target: envoy/);
  });

  test('reject an unknown option or a bad number with the usage', () => {
    assert.throws(() => parseOptions(['--fast'], '/tmp/r'), /unknown option --fast[\s\S]*npm run bench/);
    assert.throws(() => parseOptions(['--window', '0'], '/tmp/r'), /--window is 1 to 256/);
    assert.throws(() => parseOptions(['--quiet', 'soon'], '/tmp/r'), /--quiet is a number/);
  });
});
