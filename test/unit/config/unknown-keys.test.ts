// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the config syntax under test
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKEND, errorsOf, load, loadValid, warningsOf } from './helpers.ts';

describe('unknown keys', () => {
  test('an unknown key in a known section is an error at the key with a did-you-mean', () => {
    const errors = errorsOf(load(`server:\n  frontend:\n    adress: 127.0.0.1:8080\n${BACKEND}`));
    assert.deepEqual(errors, [
      'sluice.yaml:3:5  server.frontend.adress  unknown key "adress" (did you mean "address"?)',
    ]);
  });

  test('a misspelt backends key is an error, and so is the missing backend list', () => {
    const errors = errorsOf(load('upstream:\n  backend:\n    - url: ws://127.0.0.1:9090\n'));
    assert.deepEqual(errors, [
      'sluice.yaml:1:1  upstream.backends  at least one backend is required (upstream.backends or BE_URLS)',
      'sluice.yaml:2:3  upstream.backend  unknown key "backend" (did you mean "backends"?)',
    ]);
  });

  test('an unknown key in a backend suggests the documented one', () => {
    const errors = errorsOf(
      load('upstream:\n  backends:\n    - url: ws://127.0.0.1:9090\n      pingtime: 10s\n'),
    );
    assert.deepEqual(errors, [
      'sluice.yaml:4:7  upstream.backends[0].pingtime  unknown key "pingtime" (did you mean "ping-time"?)',
    ]);
  });

  test('an unknown key with nothing close lists the known keys', () => {
    const errors = errorsOf(load(`server:\n  frontend: { http2: true }\n${BACKEND}`));
    assert.match(
      errors[0],
      /unknown key "http2"; known keys: address, read-timeout, write-timeout, max-header-bytes, tls$/,
    );
  });

  test('an unknown top-level section is a warning at its key', () => {
    const result = load(`${BACKEND}test-clients:\n  - endpoint: ws://localhost:10000/echo\n`);
    assert.ok(result.config);
    assert.deepEqual(warningsOf(result), [
      'sluice.yaml:4:1  test-clients  warning: unknown top-level section "test-clients" is ignored (Sluice reads server, upstream, pipeline, record)',
    ]);
  });

  test('a misspelt top-level section gets a did-you-mean in its warning', () => {
    const result = load(`servr:\n  frontend: {}\n${BACKEND}`);
    assert.match(
      warningsOf(result)[0],
      /unknown top-level section "servr" is ignored \(did you mean "server"\?\)/,
    );
  });

  test('${VAR} in an unknown section is not an error: it belongs to another tool', () => {
    loadValid(`${BACKEND}other-tool:\n  secret: \${UNSET_FOR_SURE}\n`);
  });

  test('an invalid enum value suggests the close one', () => {
    const errors = errorsOf(
      load(`upstream:\n  selection: round_robin\n  backends: [{ url: ws://127.0.0.1:9090 }]\n`),
    );
    assert.deepEqual(errors, [
      'sluice.yaml:2:14  upstream.selection  must be one of round-robin, least-sessions, weighted (got "round_robin") (did you mean "round-robin"?)',
    ]);
  });
});
