import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfigFile } from '../../../runtime/config/index.ts';

const DIR = resolve(import.meta.dirname, '../../fixtures/config/wsbalancer');

describe("wsbalancer's own test configs", () => {
  for (const name of [
    'proxy-dev-config.yml',
    'test-default-config.yml',
    'test-four-bkend-config.yml',
    'test-two-bkend-config.yml',
  ]) {
    test(`${name} loads, with warnings only for other tools' sections`, async () => {
      const result = await loadConfigFile(resolve(DIR, name), {});
      assert.ok(result.config, `${name} must load`);
      for (const p of result.problems) {
        assert.equal(p.severity, 'warning');
        assert.match(
          p.message,
          /unknown top-level section "(test-clients|test-backends|validate-test-leaks)"/,
        );
      }
      assert.ok(result.config.upstream.backends.length >= 1);
    });
  }

  test('test-two-bkend-config.yml resolves as wsbalancer would (ids, levels, headers)', async () => {
    const { config } = await loadConfigFile(resolve(DIR, 'test-two-bkend-config.yml'), {});
    assert.equal(config?.server.loggingLevel, 'fatal');
    assert.equal(config?.server.frontend.address, 'localhost:14000');
    assert.deepEqual(config?.server.blockHeaders, ['Client-Blocked-Header']);
    assert.deepEqual(
      config?.upstream.backends.map((b) => [b.id, b.breakerThreshold, b.passHeaders]),
      [
        ['localhost-16000', 100000, ['X-Server-Sent-Header']],
        ['localhost-17000', 100000, ['X-Server-Sent-Header']],
      ],
    );
  });
});
