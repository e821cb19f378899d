import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKEND, load, loadValid, warningsOf } from './helpers.ts';

describe('wsbalancer spellings and YAML 1.1 habits', () => {
  test('wite-timeout is accepted as write-timeout with a warning naming write-timeout', () => {
    const result = load(
      `server:\n  frontend:\n    wite-timeout: 7s\n  admin:\n    wite-timeout: 8s\n${BACKEND}`,
    );
    assert.equal(result.config?.server.frontend.writeTimeoutMs, 7000);
    assert.equal(result.config?.server.admin.writeTimeoutMs, 8000);
    assert.deepEqual(warningsOf(result), [
      'sluice.yaml:3:5  server.frontend.wite-timeout  warning: wite-timeout is wsbalancer\'s misspelling: write "write-timeout"',
      'sluice.yaml:5:5  server.admin.wite-timeout  warning: wite-timeout is wsbalancer\'s misspelling: write "write-timeout"',
    ]);
  });

  test('write-timeout wins over wite-timeout, with a warning', () => {
    const result = load(`server:\n  frontend: { wite-timeout: 7s, write-timeout: 9s }\n${BACKEND}`);
    assert.equal(result.config?.server.frontend.writeTimeoutMs, 9000);
    assert.match(warningsOf(result)[0], /wite-timeout is ignored because write-timeout is also given/);
  });

  test('an error in wite-timeout points at wite-timeout', () => {
    const result = load(`server:\n  frontend:\n    wite-timeout: 7\n${BACKEND}`);
    assert.equal(result.problems.find((p) => p.severity === 'error')?.path, 'server.frontend.wite-timeout');
  });

  test('undocumented global forms apply to every backend, with a warning naming the documented key', () => {
    const result = load(
      'upstream:\n  pingtime: 30s\n  breakerthreshold: 2\n  passheaders: [X-G]\n  urls: [ws://127.0.0.1:9091]\n  ids: [from-urls]\n' +
        '  backends:\n    - { url: ws://127.0.0.1:9090, ping-time: 1m, pass-headers: [X-Own] }\n',
    );
    const backends = result.config?.upstream.backends ?? [];
    assert.deepEqual(
      backends.map((b) => [b.id, b.pingTimeMs, b.breakerThreshold, b.passHeaders]),
      [
        ['127-0-0-1-9090', 30_000, 2, ['X-Own', 'X-G']],
        ['from-urls', 30_000, 2, ['X-G']],
      ],
    );
    const warnings = warningsOf(result);
    assert.equal(warnings.length, 5);
    assert.ok(
      warnings.includes(
        'sluice.yaml:2:3  upstream.pingtime  warning: upstream.pingtime is an undocumented wsbalancer form that applies to every backend: write ping-time on each backend (or BE_PING_TIME)',
      ),
    );
    assert.ok(
      warnings.some((w) =>
        w.includes(
          'upstream.urls is an undocumented wsbalancer form that adds backends: write upstream.backends[].url (or BE_URLS)',
        ),
      ),
    );
  });

  test('an error in an upstream.urls entry points at that entry', () => {
    const result = load('upstream:\n  urls: [ws://127.0.0.1:9091, "http://x"]\n');
    const error = result.problems.find((p) => p.severity === 'error');
    assert.deepEqual([error?.line, error?.path], [2, 'upstream.urls[1]']);
  });

  test('yes/no/on/off in boolean keys are booleans with a warning', () => {
    const result = load(
      `server:\n  trust-received-xff: no\n  enable-instrumentation: On\n  compression: YES\n${BACKEND}`,
    );
    assert.equal(result.config?.server.trustReceivedXff, false);
    assert.equal(result.config?.server.enableInstrumentation, true);
    assert.equal(result.config?.server.compression, true);
    assert.deepEqual(warningsOf(result), [
      'sluice.yaml:2:23  server.trust-received-xff  warning: "no" is a YAML 1.1 boolean, read as false; write false (YAML 1.2 reads no as a string)',
      'sluice.yaml:3:27  server.enable-instrumentation  warning: "On" is a YAML 1.1 boolean, read as true; write true (YAML 1.2 reads On as a string)',
      'sluice.yaml:4:16  server.compression  warning: "YES" is a YAML 1.1 boolean, read as true; write true (YAML 1.2 reads YES as a string)',
    ]);
  });

  test('NO stays a string outside boolean keys', () => {
    const config = loadValid(`server:\n  block-headers: [NO]\n  reconnect-header: no\n${BACKEND}`);
    assert.deepEqual(config.server.blockHeaders, ['NO']);
    assert.equal(config.server.reconnectHeader, 'no');
  });
});
