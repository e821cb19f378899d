import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type BackendConfig, backendToJson, resolveBackendInput } from '../../../runtime/config/index.ts';
import { loadValid } from './helpers.ts';

describe('backend JSON (admin /backend/config and /backend/add)', () => {
  test('prints wsbalancer field names with Go durations', () => {
    const [b] = loadValid('upstream:\n  backends:\n    - url: ws://127.0.0.1:16000\n').upstream.backends;
    assert.deepEqual(backendToJson(b), {
      url: 'ws://127.0.0.1:16000',
      id: '127-0-0-1-16000',
      'ping-time': '10m0s',
      'read-buffer-size': 1024,
      'write-buffer-size': 1024,
      'breaker-threshold': 10,
      'flap-window': '1s',
      'handshake-timeout': '10s',
      'pass-headers': null,
      'abnormal-close-codes': [1001, 1005, 1006, 1011, 1012, 1013, 1014],
      'pong-timeout': '10s',
      weight: 1,
      compression: false,
    });
  });

  test('the printed JSON is accepted by /backend/add and gives the same backend back', () => {
    const backends: BackendConfig[] = loadValid(
      'upstream:\n  backends:\n    - url: ws://127.0.0.1:16000\n' +
        '    - { url: wss://b.example/x, id: b, ping-time: 1.5s, pong-timeout: 500ms, breaker-threshold: -1, flap-window: 250ms, pass-headers: [X-A], abnormal-close-codes: [4000], weight: 4, compression: true, handshake-timeout: 1h }\n',
    ).upstream.backends;
    for (const b of backends) {
      const json = JSON.parse(JSON.stringify(backendToJson(b)));
      assert.deepEqual(resolveBackendInput(json), { backend: b });
    }
  });

  test('a minimal body gets the same defaults as a file entry', () => {
    const { backend } = resolveBackendInput({ url: 'ws://127.0.0.1:9000' });
    assert.equal(backend?.id, '127-0-0-1-9000');
    assert.equal(backend?.pingTimeMs, 600_000);
  });

  test('errors name the field path', () => {
    assert.deepEqual(resolveBackendInput({ url: 'http://x', 'ping-time': 'abc' }), {
      error:
        'url: must be a ws:// or wss:// URL, e.g. ws://127.0.0.1:9090 (got "http://x"); ping-time: "abc" is not a duration: write a number and a unit (ns, us, ms, s, m, h), e.g. 10s, 500ms or 1m30s',
    });
    assert.match(resolveBackendInput({ id: 'a' }).error ?? '', /^body: missing required key "url"/);
    assert.match(
      resolveBackendInput({ url: 'ws://a:1', pingtime: '1s' }).error ?? '',
      /unknown key "pingtime" \(did you mean "ping-time"\?\)/,
    );
    assert.match(resolveBackendInput('nope').error ?? '', /must be a JSON object/);
    assert.match(
      resolveBackendInput({ url: 'ws://a:1', 'pass-headers': ['X', 2] }).error ?? '',
      /^pass-headers\[1\]: must be a string/,
    );
  });

  test('with the environment, BE_ globals override the body as they do file entries', () => {
    const { backend } = resolveBackendInput(
      { url: 'ws://a:1', 'ping-time': '1m' },
      { BE_PING_TIME: '5s', BE_PASS_HEADERS: 'X-G' },
    );
    assert.equal(backend?.pingTimeMs, 5000);
    assert.deepEqual(backend?.passHeaders, ['X-G']);
  });
});
