import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKEND, errorsOf, load, loadValid } from './helpers.ts';

describe('admin listener safety', () => {
  test('a non-loopback admin address without a token is an error at the address', () => {
    assert.deepEqual(errorsOf(load(`server:\n  admin:\n    address: 0.0.0.0:8081\n${BACKEND}`)), [
      'sluice.yaml:3:14  server.admin.address  server.admin.address "0.0.0.0:8081" is not loopback (host 0.0.0.0): set server.admin.token (or SLUICE_ADMIN_TOKEN), or listen on 127.0.0.1',
    ]);
  });

  test('all interfaces (:8081, wsbalancer default) without a token is an error too', () => {
    assert.match(
      errorsOf(load(`server:\n  admin: { address: ":8081" }\n${BACKEND}`))[0],
      /it listens on every interface/,
    );
  });

  test('ADM_ADDR to a public address without a token is an error naming ADM_ADDR', () => {
    assert.match(
      errorsOf(load(BACKEND, { ADM_ADDR: '0.0.0.0:8081' }))[0],
      /^env ADM_ADDR {2}server\.admin\.address "0\.0\.0\.0:8081" is not loopback/,
    );
  });

  test('a token, from the file or SLUICE_ADMIN_TOKEN, allows a non-loopback address', () => {
    assert.equal(
      loadValid(`server:\n  admin: { address: "0.0.0.0:8081", token: t0ken }\n${BACKEND}`).server.admin.token,
      't0ken',
    );
    assert.equal(
      loadValid(`server:\n  admin: { address: "0.0.0.0:8081" }\n${BACKEND}`, { SLUICE_ADMIN_TOKEN: 'x' })
        .server.admin.host,
      '0.0.0.0',
    );
  });

  test('loopback addresses need no token', () => {
    for (const address of ['127.0.0.1:8081', 'localhost:8081', '[::1]:8081', '127.1.2.3:0']) {
      assert.equal(
        loadValid(`server:\n  admin: { address: "${address}" }\n${BACKEND}`).server.admin.token,
        undefined,
      );
    }
  });
});
