import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfigFile, loadConfigText, type LoadResult } from '../../../runtime/config/index.ts';
import { errorsOf } from './helpers.ts';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/config');
const BUILTINS = resolve(FIXTURES, 'builtin-valves');
const BACKEND = 'upstream:\n  backends: [{ url: ws://127.0.0.1:9090 }]\n';

function loadHere(text: string): LoadResult {
  return loadConfigText(text, resolve(FIXTURES, 'inline.yaml'), {}, { builtinValvesDir: BUILTINS });
}

describe('pipeline entries', () => {
  test('the contract example loads: built-in and user valves resolved, defaults filled', async () => {
    const result = await loadConfigFile(
      resolve(FIXTURES, 'sluice.yaml'),
      { SLUICE_ADMIN_TOKEN: 't' },
      { builtinValvesDir: BUILTINS },
    );
    assert.deepEqual(result.problems, []);
    const [builtin, user] = result.config?.pipeline ?? [];
    assert.deepEqual(builtin, {
      valve: 'size-limit',
      file: resolve(BUILTINS, 'size-limit.js'),
      builtin: true,
      with: { maxBytes: 65536 },
      when: undefined,
      timeoutMs: 50,
      memoryMb: 64,
      onError: 'drop',
      isolate: 'shared',
    });
    assert.equal(user.file, resolve(FIXTURES, 'valves/redact.js'));
    assert.equal(user.builtin, false);
    assert.deepEqual(user.when, { path: '/ocpp/*', subprotocol: 'ocpp1.6' });
    assert.equal(result.config?.server.admin.token, 't');
  });

  test('a missing valve file is an error naming the path at the valve key', () => {
    const errors = errorsOf(loadHere(`${BACKEND}pipeline:\n  - valve: ./valves/nope.js\n`));
    assert.deepEqual(errors, [
      `${resolve(FIXTURES, 'inline.yaml')}:4:12  pipeline[0].valve  valve file not found: ${resolve(FIXTURES, 'valves/nope.js')} (./valves/nope.js relative to ${FIXTURES})`,
    ]);
  });

  test('an unknown built-in name is an error listing the built-ins with a did-you-mean', () => {
    const errors = errorsOf(loadHere(`${BACKEND}pipeline:\n  - valve: size-limt\n`));
    assert.match(
      errors[0],
      /unknown built-in valve "size-limt" \(did you mean "size-limit"\?\); built-in valves: rate-limit, size-limit/,
    );
  });

  test('a valve file with another extension is refused', () => {
    assert.match(
      errorsOf(loadHere(`${BACKEND}pipeline:\n  - valve: ./valves/redact.py\n`))[0],
      /must end in \.js, \.mjs or \.ts/,
    );
  });

  test('entry keys are validated: on-error, isolate, memory-mb, timeout, when', () => {
    const errors = errorsOf(
      loadHere(
        `${BACKEND}pipeline:\n  - valve: size-limit\n    on-error: ignore\n    isolate: mine\n    memory-mb: 1\n    timeout: 50\n    when: { host: x }\n`,
      ),
    );
    assert.equal(errors.length, 5);
    assert.ok(errors.some((e) => e.includes('pipeline[0].on-error  must be one of drop, pass, close')));
    assert.ok(errors.some((e) => e.includes('pipeline[0].memory-mb  must be ≥ 8')));
    assert.ok(errors.some((e) => e.includes('pipeline[0].timeout  50 has no unit')));
    assert.ok(errors.some((e) => e.includes('pipeline[0].when.host  unknown key "host"')));
  });

  test('a pipeline entry without valve is an error', () => {
    assert.match(
      errorsOf(loadHere(`${BACKEND}pipeline:\n  - with: {}\n`))[0],
      /pipeline\[0\] {2}missing required key "valve"/,
    );
  });

  test('when.headers names are lower-cased and /regex/ values must compile', () => {
    const ok = loadHere(
      `${BACKEND}pipeline:\n  - valve: size-limit\n    when: { headers: { X-Tenant: /^a+$/ } }\n`,
    );
    assert.deepEqual(ok.config?.pipeline[0].when, { headers: { 'x-tenant': '/^a+$/' } });
    const bad = loadHere(
      `${BACKEND}pipeline:\n  - valve: size-limit\n    when: { headers: { X-Tenant: /(/ } }\n`,
    );
    assert.match(errorsOf(bad)[0], /pipeline\[0\]\.when\.headers\.X-Tenant {2}invalid regular expression/);
  });
});
