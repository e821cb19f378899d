import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfigFromEnv } from '../../../runtime/config/index.ts';
import { errorsOf, load, loadValid } from './helpers.ts';

const FILE = `
server:
  frontend: { address: 127.0.0.1:14000, read-timeout: 3s, write-timeout: 4s, max-header-bytes: 8192 }
  admin: { address: 127.0.0.1:15000, read-timeout: 5s, write-timeout: 6s, max-header-bytes: 4096 }
  read-buffer-size: 2048
  write-buffer-size: 2048
  trust-received-xff: true
  block-headers: [X-From-File]
  reconnect-header: X-From-File
  enable-instrumentation: false
  logging-level: info
upstream:
  backends:
    - url: ws://127.0.0.1:16000
      ping-time: 1m
      read-buffer-size: 512
      write-buffer-size: 512
      breaker-threshold: 3
      handshake-timeout: 2s
      pass-headers: [X-Own]
      abnormal-close-codes: [4000]
`;

describe('wsbalancer environment variables', () => {
  test('each server variable overrides the file', () => {
    const { server } = loadValid(FILE, {
      FE_ADDR: '127.0.0.1:24000',
      FE_READ_TIMEOUT: '13s',
      FE_WRITE_TIMEOUT: '14s',
      FE_MAX_HDR_BYTES: '18192',
      ADM_ADDR: 'localhost:25000',
      ADM_READ_TIMEOUT: '15s',
      ADM_WRITE_TIMEOUT: '16s',
      ADM_MAX_HDR_BYTES: '14096',
      FE_RB_SIZE: '4096',
      FE_WB_SIZE: '8KiB',
      FE_TRUST_XFF: 'false',
      BLOCK_HEADERS: 'X-A, X-B',
      RECONNECT_HDR: 'X-From-Env',
      ENABLE_INST: 'true',
      LOG_LEVEL: 'ERROR',
    });
    assert.equal(server.frontend.address, '127.0.0.1:24000');
    assert.equal(server.frontend.port, 24000);
    assert.equal(server.frontend.readTimeoutMs, 13_000);
    assert.equal(server.frontend.writeTimeoutMs, 14_000);
    assert.equal(server.frontend.maxHeaderBytes, 18_192);
    assert.equal(server.admin.address, 'localhost:25000');
    assert.equal(server.admin.readTimeoutMs, 15_000);
    assert.equal(server.admin.writeTimeoutMs, 16_000);
    assert.equal(server.admin.maxHeaderBytes, 14_096);
    assert.equal(server.readBufferSize, 4096);
    assert.equal(server.writeBufferSize, 8192);
    assert.equal(server.trustReceivedXff, false);
    assert.deepEqual(server.blockHeaders, ['X-A', 'X-B']);
    assert.equal(server.reconnectHeader, 'X-From-Env');
    assert.equal(server.enableInstrumentation, true);
    assert.equal(server.loggingLevel, 'error');
  });

  test('each BE_ variable overrides every backend, and pass-headers are added', () => {
    const config = loadValid(FILE, {
      BE_PING_TIME: '5s',
      BE_RB_SIZE: '100',
      BE_WB_SIZE: '200',
      BE_BREAKER_THRESHOLD: '-1',
      BE_HANDSHAKE_TIMEOUT: '1500ms',
      BE_PASS_HEADERS: ' X-Env-1 ,X-Env-2 ',
      BE_ABNORMAL_CLOSE_CODES: '1006, 4001',
      BE_URLS: 'ws://127.0.0.1:17000',
    });
    assert.equal(config.upstream.backends.length, 2);
    for (const b of config.upstream.backends) {
      assert.equal(b.pingTimeMs, 5000);
      assert.equal(b.readBufferSize, 100);
      assert.equal(b.writeBufferSize, 200);
      assert.equal(b.breakerThreshold, -1);
      assert.equal(b.handshakeTimeoutMs, 1500);
      assert.deepEqual(b.abnormalCloseCodes, [1006, 4001]);
    }
    assert.deepEqual(config.upstream.backends[0].passHeaders, ['X-Own', 'X-Env-1', 'X-Env-2']);
    assert.deepEqual(config.upstream.backends[1].passHeaders, ['X-Env-1', 'X-Env-2']);
  });

  test('without variables the file values stay', () => {
    const config = loadValid(FILE, {});
    assert.equal(config.server.frontend.address, '127.0.0.1:14000');
    assert.equal(config.upstream.backends[0].pingTimeMs, 60_000);
    assert.deepEqual(config.upstream.backends[0].abnormalCloseCodes, [4000]);
  });

  test('BE_URLS appends trimmed backends after the file ones, ids from BE_URL_IDS', () => {
    const config = loadValid(FILE, {
      BE_URLS: ' ws://127.0.0.1:17000 , wss://b.example:443/x ,',
      BE_URL_IDS: 'b1,  b2',
    });
    assert.deepEqual(
      config.upstream.backends.map((b) => [b.id, b.url]),
      [
        ['127-0-0-1-16000', 'ws://127.0.0.1:16000'],
        ['b1', 'ws://127.0.0.1:17000'],
        ['b2', 'wss://b.example:443/x'],
      ],
    );
  });

  test('BE_URL_IDS with another count than BE_URLS is an error naming both', () => {
    const errors = errorsOf(load(FILE, { BE_URLS: 'ws://a:1,ws://b:2', BE_URL_IDS: 'only-one' }));
    assert.deepEqual(errors, [
      'env BE_URL_IDS  BE_URL_IDS has 1 id but BE_URLS has 2 URLs: give one id per URL, in the same order (sets upstream.backends[].id)',
    ]);
  });

  test('without a file, a BE_URL_IDS count mismatch is the only error', () => {
    const result = loadConfigFromEnv({ BE_URLS: 'ws://a:1,ws://b:2', BE_URL_IDS: 'x' }, '.');
    assert.deepEqual(errorsOf(result), [
      'env BE_URL_IDS  BE_URL_IDS has 1 id but BE_URLS has 2 URLs: give one id per URL, in the same order (sets upstream.backends[].id)',
    ]);
  });

  test('bad values in variables are errors naming the variable', () => {
    const errors = errorsOf(
      load(FILE, {
        BE_PING_TIME: 'abc',
        FE_READ_TIMEOUT: '10',
        FE_MAX_HDR_BYTES: 'many',
        FE_TRUST_XFF: 'maybe',
        LOG_LEVEL: 'loud',
      }),
    );
    assert.equal(errors.length, 5);
    assert.ok(
      errors.includes(
        'env BE_PING_TIME  "abc" is not a duration: write a number and a unit (ns, us, ms, s, m, h), e.g. 10s, 500ms or 1m30s (sets upstream.backends[].ping-time)',
      ),
    );
    assert.ok(
      errors.includes(
        'env FE_READ_TIMEOUT  "10" has no unit: did you mean 10s? (sets server.frontend.read-timeout)',
      ),
    );
    assert.ok(errors.some((e) => e.startsWith('env FE_MAX_HDR_BYTES  "many" is not a size')));
    assert.ok(errors.some((e) => e.startsWith('env FE_TRUST_XFF  must be true or false (got "maybe")')));
    assert.ok(errors.some((e) => e.startsWith('env LOG_LEVEL  unknown log level "loud"')));
  });

  test('a non-ws URL in BE_URLS is an error naming BE_URLS', () => {
    const errors = errorsOf(load(FILE, { BE_URLS: 'http://127.0.0.1:17000' }));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^env BE_URLS {2}must be a ws:\/\/ or wss:\/\/ URL/);
  });

  test('RECONNECT_HDR set to empty means no reconnect header; other empty variables are unset', () => {
    const config = loadValid(FILE, { RECONNECT_HDR: '', FE_ADDR: '', LOG_LEVEL: '' });
    assert.equal(config.server.reconnectHeader, '');
    assert.equal(config.server.frontend.address, '127.0.0.1:14000');
    assert.equal(config.server.loggingLevel, 'info');
  });

  test('Go boolean forms are accepted from variables', () => {
    assert.equal(loadValid(FILE, { FE_TRUST_XFF: '0' }).server.trustReceivedXff, false);
    assert.equal(loadValid(FILE, { ENABLE_INST: 'T' }).server.enableInstrumentation, true);
  });

  test('SLUICE_ADMIN_TOKEN sets the admin token', () => {
    assert.equal(loadValid(FILE, { SLUICE_ADMIN_TOKEN: 's3cret' }).server.admin.token, 's3cret');
  });
});
