import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfigFile, loadConfigFromEnv, loadConfigObject } from '../../../runtime/config/index.ts';
import { errorsOf } from './helpers.ts';

describe('config sources', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('loadConfigFile reads a file and problems carry its path as given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-config-'));
    dirs.push(dir);
    const file = join(dir, 'sluice.yml');
    await writeFile(file, 'upstream:\n  backends:\n    - url: ws://127.0.0.1:1\n      ping-time: 5\n');
    const result = await loadConfigFile(file, {});
    assert.deepEqual(errorsOf(result), [
      `${file}:4:18  upstream.backends[0].ping-time  5 has no unit (wsbalancer read a bare number as nanoseconds): did you mean 5s?`,
    ]);
    await writeFile(file, 'upstream:\n  backends:\n    - url: ws://127.0.0.1:1\n');
    const ok = await loadConfigFile(file, {});
    assert.equal(ok.config?.file, file);
    assert.equal(ok.config?.baseDir, dir);
  });

  test('a missing file is an error naming it', async () => {
    const result = await loadConfigFile('does-not-exist.yaml', {});
    assert.deepEqual(errorsOf(result), [
      `does-not-exist.yaml  config file not found: ${resolve('does-not-exist.yaml')}`,
    ]);
  });

  test('loadConfigFromEnv runs from BE_URLS and the defaults alone', () => {
    const result = loadConfigFromEnv(
      { BE_URLS: 'ws://127.0.0.1:16000,ws://127.0.0.1:17000', FE_ADDR: '127.0.0.1:0' },
      '/srv',
    );
    assert.deepEqual(result.problems, []);
    assert.equal(result.config?.file, undefined);
    assert.equal(result.config?.baseDir, '/srv');
    assert.equal(result.config?.server.frontend.port, 0);
    assert.deepEqual(
      result.config?.upstream.backends.map((b) => b.id),
      ['127-0-0-1-16000', '127-0-0-1-17000'],
    );
  });

  test('loadConfigObject takes the file shape as a plain object and does not change it', () => {
    const raw = { upstream: { backends: [{ url: 'ws://127.0.0.1:1', 'ping-time': '30s' }] } };
    const before = structuredClone(raw);
    const result = loadConfigObject(raw, '/app', {});
    assert.equal(result.config?.upstream.backends[0].pingTimeMs, 30_000);
    assert.deepEqual(raw, before);
    assert.deepEqual(errorsOf(loadConfigObject({ upstream: { backends: [{ url: 'x' }] } }, '/app', {})), [
      '<config object>  upstream.backends[0].url  must be a ws:// or wss:// URL, e.g. ws://127.0.0.1:9090 (got "x")',
    ]);
  });

  test('loadConfigObject refuses functions with a clear message', () => {
    assert.match(
      errorsOf(loadConfigObject({ upstream: { backends: [], f: () => 1 } }, '/app', {}))[0],
      /plain data only/,
    );
  });
});

describe('config sources without backends', () => {
  test('an embedded object without backends names upstream.backends, not BE_URLS', () => {
    assert.deepEqual(errorsOf(loadConfigObject({}, '/app', {})), [
      '<config object>  upstream.backends  at least one backend is required (upstream.backends or BE_URLS)',
    ]);
  });
});
