import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadValid } from './helpers.ts';

const FULL = `
server:
  frontend:
    address: 127.0.0.1:14000
    read-timeout: 3s
    write-timeout: 4s
    max-header-bytes: 8192
  admin:
    address: 127.0.0.1:15000
    read-timeout: 5s
    write-timeout: 6s
    max-header-bytes: 4096
  read-buffer-size: 2048
  write-buffer-size: 4KiB
  trust-received-xff: false
  block-headers: [Client-Blocked-Header]
  reconnect-header: X-Again
  enable-instrumentation: true
  logging-level: debug
upstream:
  backends:
    - url: ws://127.0.0.1:16000
      id: one
      ping-time: 1m
      read-buffer-size: 512
      write-buffer-size: 256
      breaker-threshold: 3
      handshake-timeout: 2s
      pass-headers: [X-Server-Sent-Header]
      abnormal-close-codes: [4000]
`;

describe('wsbalancer keys from the file', () => {
  test('every server key is read', () => {
    const { server } = loadValid(FULL);
    assert.deepEqual(server.frontend, {
      address: '127.0.0.1:14000',
      host: '127.0.0.1',
      port: 14000,
      readTimeoutMs: 3000,
      writeTimeoutMs: 4000,
      maxHeaderBytes: 8192,
    });
    assert.deepEqual(server.admin, {
      address: '127.0.0.1:15000',
      host: '127.0.0.1',
      port: 15000,
      readTimeoutMs: 5000,
      writeTimeoutMs: 6000,
      maxHeaderBytes: 4096,
      token: undefined,
      allowedHosts: [],
    });
    assert.equal(server.readBufferSize, 2048);
    assert.equal(server.writeBufferSize, 4096);
    assert.equal(server.trustReceivedXff, false);
    assert.deepEqual(server.blockHeaders, ['Client-Blocked-Header']);
    assert.equal(server.reconnectHeader, 'X-Again');
    assert.equal(server.enableInstrumentation, true);
    assert.equal(server.loggingLevel, 'debug');
  });

  test('every backend key is read', () => {
    const [b] = loadValid(FULL).upstream.backends;
    assert.deepEqual(b, {
      id: 'one',
      url: 'ws://127.0.0.1:16000',
      pingTimeMs: 60_000,
      pongTimeoutMs: 10_000,
      readBufferSize: 512,
      writeBufferSize: 256,
      breakerThreshold: 3,
      flapWindowMs: 1000,
      handshakeTimeoutMs: 2000,
      passHeaders: ['X-Server-Sent-Header'],
      abnormalCloseCodes: [4000], // honoured, and not doubled as wsbalancer did
      weight: 1,
      compression: false,
    });
  });

  test('defaults match wsbalancer except the loopback admin address', () => {
    const config = loadValid('upstream:\n  backends:\n    - url: ws://127.0.0.1:16000\n');
    const { server } = config;
    assert.equal(server.frontend.address, ':8080');
    assert.equal(server.frontend.host, '');
    assert.equal(server.admin.address, '127.0.0.1:8081');
    assert.equal(server.frontend.readTimeoutMs, 10_000);
    assert.equal(server.frontend.writeTimeoutMs, 10_000);
    assert.equal(server.frontend.maxHeaderBytes, 524_288);
    assert.equal(server.readBufferSize, 1024);
    assert.equal(server.writeBufferSize, 1024);
    assert.equal(server.trustReceivedXff, true);
    assert.deepEqual(server.blockHeaders, []);
    assert.equal(server.reconnectHeader, 'X-Balancer-Reconnect');
    assert.equal(server.enableInstrumentation, false);
    assert.equal(server.loggingLevel, 'warn');
    const [b] = config.upstream.backends;
    assert.equal(b.id, '127-0-0-1-16000');
    assert.equal(b.pingTimeMs, 600_000);
    assert.equal(b.handshakeTimeoutMs, 10_000);
    assert.equal(b.breakerThreshold, 10);
    assert.equal(b.readBufferSize, 1024);
    assert.deepEqual(b.abnormalCloseCodes, [1001, 1005, 1006, 1011, 1012, 1013, 1014]);
  });

  test('false and 0 in the file mean false and 0, not the default', () => {
    const config = loadValid(
      'server:\n  trust-received-xff: false\n  read-buffer-size: 0\n  reconnect-header: ""\n' +
        'upstream:\n  max-reconnects: 0\n  backends:\n    - url: ws://127.0.0.1:9090\n      breaker-threshold: -1\n',
    );
    assert.equal(config.server.trustReceivedXff, false);
    assert.equal(config.server.readBufferSize, 0);
    assert.equal(config.server.reconnectHeader, '');
    assert.equal(config.upstream.maxReconnects, 0);
    assert.equal(config.upstream.backends[0].breakerThreshold, -1);
  });

  test('an empty key means its default', () => {
    const config = loadValid(
      'server:\n  block-headers:\nupstream:\n  backends:\n    - url: ws://127.0.0.1:9090\n      pass-headers:\n',
    );
    assert.deepEqual(config.server.blockHeaders, []);
    assert.deepEqual(config.upstream.backends[0].passHeaders, []);
  });

  test('logging-level is read in any case, and panic means fatal', () => {
    const backend = 'upstream:\n  backends: [{ url: ws://127.0.0.1:9090 }]\n';
    assert.equal(loadValid(`server:\n  logging-level: ERROR\n${backend}`).server.loggingLevel, 'error');
    assert.equal(loadValid(`server:\n  logging-level: panic\n${backend}`).server.loggingLevel, 'fatal');
    assert.equal(loadValid(`server:\n  logging-level: Trace\n${backend}`).server.loggingLevel, 'trace');
  });
});
