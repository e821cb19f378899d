import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLoopbackHost, parseListenAddress } from '../../../runtime/config/index.ts';

describe('listen addresses', () => {
  test('splits host and port; an empty host means every interface', () => {
    assert.deepEqual(parseListenAddress(':8080'), { host: '', port: 8080 });
    assert.deepEqual(parseListenAddress('127.0.0.1:8081'), { host: '127.0.0.1', port: 8081 });
    assert.deepEqual(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
    assert.deepEqual(parseListenAddress('[::1]:9000'), { host: '::1', port: 9000 });
  });

  test('rejects ports out of range, missing ports and unbracketed IPv6', () => {
    assert.throws(() => parseListenAddress('127.0.0.1:70000'), /port 70000 is out of range \(0–65535\)/);
    assert.throws(() => parseListenAddress('localhost'), /no port/);
    assert.throws(() => parseListenAddress('::1:80'), /brackets/);
    assert.throws(() => parseListenAddress('host:http'), /not a number/);
  });

  test('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', '::1', 'localhost', 'LOCALHOST', '0:0:0:0:0:0:0:1']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['', '0.0.0.0', '10.0.0.1', '::', 'example.com', '128.0.0.1']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});
