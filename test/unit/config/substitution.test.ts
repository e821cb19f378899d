// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the config syntax under test
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKEND, errorsOf, load, loadValid } from './helpers.ts';

describe('${VAR} substitution', () => {
  test('a set variable is substituted into a string value', () => {
    const config = loadValid(`server:\n  admin:\n    token: \${ADMIN_TOKEN}\n${BACKEND}`, {
      ADMIN_TOKEN: 'abc',
    });
    assert.equal(config.server.admin.token, 'abc');
  });

  test('an unset variable without a default is an error naming it at its line and column', () => {
    const errors = errorsOf(load(`server:\n  admin:\n    token: \${ADMIN_TOKEN}\n${BACKEND}`));
    assert.deepEqual(errors, [
      'sluice.yaml:3:12  server.admin.token  environment variable ADMIN_TOKEN is not set: set it, or give a default with ${ADMIN_TOKEN:-default}',
    ]);
  });

  test('${VAR:-default} uses the default when the variable is unset or empty', () => {
    const text = `server:\n  frontend: { address: "\${HOST:-127.0.0.1}:\${PORT:-9999}" }\n${BACKEND}`;
    assert.equal(loadValid(text).server.frontend.address, '127.0.0.1:9999');
    assert.equal(loadValid(text, { PORT: '' }).server.frontend.port, 9999);
    assert.equal(loadValid(text, { PORT: '7000' }).server.frontend.port, 7000);
  });

  test('substituted numbers and booleans take the type of their key', () => {
    const config = loadValid(
      `server:\n  enable-instrumentation: \${INST}\nupstream:\n  max-reconnects: \${MAX}\n  backends: [{ url: "ws://127.0.0.1:\${BE_PORT}" }]\n`,
      { INST: 'true', MAX: '7', BE_PORT: '9090' },
    );
    assert.equal(config.server.enableInstrumentation, true);
    assert.equal(config.upstream.maxReconnects, 7);
    assert.equal(config.upstream.backends[0].url, 'ws://127.0.0.1:9090');
  });

  test('$${ writes a literal ${', () => {
    assert.equal(
      loadValid(`server:\n  reconnect-header: X-$\${NOT}\n${BACKEND}`).server.reconnectHeader,
      'X-${NOT}',
    );
  });

  test('a malformed reference is an error', () => {
    assert.match(
      errorsOf(load(`server:\n  reconnect-header: \${NOT CLOSED\n${BACKEND}`))[0],
      /without its closing \}/,
    );
    assert.match(
      errorsOf(load(`server:\n  reconnect-header: \${1BAD}\n${BACKEND}`))[0],
      /not a variable reference/,
    );
  });
});
