import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKEND, errorsOf, load, loadValid } from './helpers.ts';

describe('Sluice server and upstream keys', () => {
  test('defaults are the documented ones', () => {
    const { server, upstream } = loadValid(BACKEND);
    assert.equal(server.maxMessageSize, 16 * 1024 * 1024);
    assert.equal(server.compression, false);
    assert.deepEqual(server.allowedOrigins, []);
    assert.equal(server.clientPingIntervalMs, 30_000);
    assert.equal(server.clientPongTimeoutMs, 10_000);
    assert.equal(server.highWaterMark, 1024 * 1024);
    assert.equal(server.lowWaterMark, 256 * 1024);
    assert.equal(server.stallTimeoutMs, 30_000);
    assert.equal(server.drainWindowMs, 5000);
    assert.equal(server.shutdownTimeoutMs, 10_000);
    assert.deepEqual(server.admin.allowedHosts, []);
    assert.equal(upstream.selection, 'round-robin');
    assert.equal(upstream.failoverTimeoutMs, 5000);
    assert.equal(upstream.maxReconnects, 5);
    assert.equal(upstream.queueMaxMessages, 1000);
    assert.equal(upstream.queueMaxBytes, 16 * 1024 * 1024);
  });

  test('sizes and durations are converted to bytes and milliseconds', () => {
    const { server } = loadValid(
      `server:\n  max-message-size: 64KiB\n  high-water-mark: 2MiB\n  low-water-mark: 1048576\n  stall-timeout: 1m30s\n  drain-window: 0s\n${BACKEND}`,
    );
    assert.equal(server.maxMessageSize, 65_536);
    assert.equal(server.highWaterMark, 2 * 1024 * 1024);
    assert.equal(server.lowWaterMark, 1_048_576);
    assert.equal(server.stallTimeoutMs, 90_000);
    assert.equal(server.drainWindowMs, 0);
  });

  test('a bare number where a duration is expected suggests a unit', () => {
    assert.deepEqual(errorsOf(load(`server:\n  stall-timeout: 10\n${BACKEND}`)), [
      'sluice.yaml:2:18  server.stall-timeout  10 has no unit (wsbalancer read a bare number as nanoseconds): did you mean 10s?',
    ]);
  });

  test('negative, zero and garbage durations are errors naming the key', () => {
    const errors = errorsOf(
      load(`server:\n  stall-timeout: -1s\n  client-ping-interval: 0s\n  shutdown-timeout: soon\n${BACKEND}`),
    );
    assert.deepEqual(errors, [
      'sluice.yaml:2:18  server.stall-timeout  "-1s" is negative: a duration must be 0 or more',
      'sluice.yaml:3:25  server.client-ping-interval  "0s" must be greater than 0',
      'sluice.yaml:4:21  server.shutdown-timeout  "soon" is not a duration: write a number and a unit (ns, us, ms, s, m, h), e.g. 10s, 500ms or 1m30s',
    ]);
  });

  test('a frontend port out of range is an error at the address', () => {
    assert.deepEqual(errorsOf(load(`server:\n  frontend:\n    address: 127.0.0.1:70000\n${BACKEND}`)), [
      'sluice.yaml:3:14  server.frontend.address  "127.0.0.1:70000": port 70000 is out of range (0–65535)',
    ]);
  });

  test('port 0 is allowed (a free port)', () => {
    assert.equal(
      loadValid(`server:\n  frontend: { address: "localhost:0" }\n${BACKEND}`).server.frontend.port,
      0,
    );
  });

  test('the low-water mark must be below the high-water mark', () => {
    const errors = errorsOf(load(`server:\n  high-water-mark: 64KiB\n  low-water-mark: 64KiB\n${BACKEND}`));
    assert.match(
      errors[0],
      /^sluice\.yaml:3:19 {2}server\.low-water-mark {2}low-water-mark \(65536 bytes\) must be below/,
    );
  });

  test('a wrong type says what was expected and what was found', () => {
    assert.deepEqual(errorsOf(load(`server:\n  allowed-origins: https://a.example\n${BACKEND}`)), [
      'sluice.yaml:2:20  server.allowed-origins  must be a list (got "https://a.example")',
    ]);
  });
});
