import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfigFromEnv } from '../../../runtime/config/index.ts';
import { errorsOf, load, loadValid } from './helpers.ts';

describe('backends', () => {
  test('the default id is wsbalancer NormalizeForID of host:port', () => {
    const config = loadValid(
      'upstream:\n  backends:\n    - url: ws://127.0.0.1:16000\n    - url: wss://api.example.com/socket\n    - url: ws://[::1]:9000/x\n',
    );
    assert.deepEqual(
      config.upstream.backends.map((b) => b.id),
      ['127-0-0-1-16000', 'api-example-com', '---1--9000'],
    );
  });

  test('duplicate ids are an error at the second backend', () => {
    const errors = errorsOf(
      load(
        'upstream:\n  backends:\n    - { url: ws://127.0.0.1:1, id: a }\n    - { url: ws://127.0.0.1:2, id: a }\n',
      ),
    );
    assert.deepEqual(errors, [
      'sluice.yaml:4:36  upstream.backends[1].id  backend id "a" is already used by upstream.backends[0]: give each backend a distinct id',
    ]);
  });

  test('two backends with the same URL and no id collide on the default id', () => {
    const errors = errorsOf(
      load('upstream:\n  backends:\n    - url: ws://127.0.0.1:1\n    - url: ws://127.0.0.1:1/other\n'),
    );
    assert.match(
      errors[0],
      /^sluice\.yaml:4:12 .*backend id "127-0-0-1-1" \(the default id, from ws:\/\/127\.0\.0\.1:1\/other\) is already used/,
    );
  });

  test('a url that is not ws:// or wss:// is an error naming the key', () => {
    const errors = errorsOf(load('upstream:\n  backends:\n    - url: http://127.0.0.1:9090\n'));
    assert.deepEqual(errors, [
      'sluice.yaml:3:12  upstream.backends[0].url  must be a ws:// or wss:// URL, e.g. ws://127.0.0.1:9090 (got "http://127.0.0.1:9090")',
    ]);
  });

  test('a backend URL with port 70000 is an error', () => {
    assert.match(
      errorsOf(load('upstream:\n  backends:\n    - url: ws://127.0.0.1:70000\n'))[0],
      /port 70000 is out of range/,
    );
  });

  test('a backend without url is an error at the entry', () => {
    assert.deepEqual(errorsOf(load('upstream:\n  backends:\n    - id: a\n')), [
      'sluice.yaml:3:7  upstream.backends[0]  missing required key "url"',
    ]);
  });

  test('at least one backend is required', () => {
    assert.deepEqual(errorsOf(load('server: {}\n')), [
      'sluice.yaml:1:1  upstream.backends  at least one backend is required (upstream.backends or BE_URLS)',
    ]);
  });

  test('without a file and without BE_URLS the error names BE_URLS', () => {
    assert.deepEqual(errorsOf(loadConfigFromEnv({}, '.')), [
      'env BE_URLS  at least one backend is required (upstream.backends or BE_URLS)',
    ]);
  });

  test('Sluice backend keys have their defaults and can be set', () => {
    const config = loadValid(
      'upstream:\n  selection: weighted\n  backends:\n    - url: ws://127.0.0.1:1\n    - { url: ws://127.0.0.1:2, weight: 3, compression: true, pong-timeout: 2s }\n',
    );
    const [a, b] = config.upstream.backends;
    assert.deepEqual([a.weight, a.compression, a.pongTimeoutMs], [1, false, 10_000]);
    assert.deepEqual([b.weight, b.compression, b.pongTimeoutMs], [3, true, 2000]);
    assert.equal(config.upstream.selection, 'weighted');
  });

  test('breaker-threshold 0 is an error that says what is allowed', () => {
    const errors = errorsOf(
      load('upstream:\n  backends:\n    - { url: ws://127.0.0.1:1, breaker-threshold: 0 }\n'),
    );
    assert.match(
      errors[0],
      /0 is not a breaker threshold: use 1 or more, or a negative number to disable the breaker/,
    );
  });
});
