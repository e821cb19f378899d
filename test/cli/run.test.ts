import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, runCliToEnd } from '../helpers/cli-process.ts';
import { connect } from '../helpers/client.ts';
import { startBackend } from '../helpers/test-backend.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));

test('sluice run serves a config file, and SIGTERM drains the session with 1001 and exits 0', async (t) => {
  const backend = await startBackend();
  t.after(() => backend.stop());
  const file = join(dir, 'drain.yaml');
  writeFileSync(
    file,
    `server:\n  frontend: { address: 127.0.0.1:0 }\n  admin: { address: 127.0.0.1:0 }\n  drain-window: 100ms\nupstream:\n  backends:\n    - { url: ${backend.url} }\n`,
  );
  const run = runCli(['run', file, '--no-watch']);
  t.after(() => run.child.kill('SIGKILL'));
  const [, port, adminPort] = await run.waitFor(
    /listening on ws:\/\/127\.0\.0\.1:(\d+)\/ \(admin http:\/\/127\.0\.0\.1:(\d+)/,
  );
  const client = await connect(`ws://127.0.0.1:${port}/x`);
  client.send('hi');
  await client.waitFor(1);
  assert.equal((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status, 200);
  run.child.kill('SIGTERM');
  const closed = await client.waitClose();
  assert.equal(closed.code, 1001);
  assert.equal(await run.exited, 0);
});

test('sluice run refuses a bad config with exit 1, naming file:line:col, before opening a port', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    'server:\n  frontend: { address: 127.0.0.1:0 }\nupstream:\n  backends:\n    - { url: http://x }\n',
  );
  const r = await runCliToEnd(['run', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.yaml:5:\d+ +upstream\.backends\[0\]\.url/);
  assert.doesNotMatch(r.stdout, /listening/);
});

test('sluice run exits 1 naming the address when the frontend port is taken', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const file = join(dir, 'taken.yaml');
  writeFileSync(
    file,
    `server:\n  frontend: { address: 127.0.0.1:${port} }\n  admin: { address: 127.0.0.1:0 }\nupstream:\n  backends:\n    - { url: ws://127.0.0.1:9 }\n`,
  );
  const r = await runCliToEnd(['run', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
});

test('sluice run with a missing config file exits 1 and says which file', async () => {
  const r = await runCliToEnd(['run', join(dir, 'nope.yaml')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /config file not found: .*nope\.yaml/);
});

test('sluice run with no file and BE_URLS runs from the environment, as wsbalancer', async (t) => {
  const backend = await startBackend();
  t.after(() => backend.stop());
  const empty = mkdtempSync(join(tmpdir(), 'sluice-env-'));
  const run = runCli(['run', '--no-watch'], {
    cwd: empty,
    env: { BE_URLS: ` ${backend.url} `, FE_ADDR: '127.0.0.1:0', ADM_ADDR: '127.0.0.1:0' },
  });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/listening on ws:\/\/127\.0\.0\.1:(\d+)\//);
  const client = await connect(`ws://127.0.0.1:${port}/`);
  client.send('via env');
  await client.waitFor(1);
  assert.equal(client.texts()[0], 'via env');
  await client.close();
});

test('sluice run with no file and no BE_URLS runs the quickstart and prints how to connect', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'sluice-qs-'));
  const run = runCli(['run', '--no-watch'], {
    cwd: empty,
    env: { FE_ADDR: '127.0.0.1:0', ADM_ADDR: '127.0.0.1:0' },
  });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/behind ws:\/\/127\.0\.0\.1:(\d+)\//);
  assert.match(run.stdout(), /try it:/);
  const client = await connect(`ws://127.0.0.1:${port}/`);
  client.send('hello');
  await client.waitFor(1);
  assert.equal(client.texts()[0], 'hello');
  await client.close();
});

test('usage errors exit 2; --help and --version exit 0', async () => {
  assert.equal((await runCliToEnd(['run', '--bogus'])).code, 2);
  assert.equal((await runCliToEnd(['frobnicate'])).code, 2);
  const help = await runCliToEnd(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /run \[options\] \[config\]/);
  const version = await runCliToEnd(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});

after(() => {});
