// Start and stop (WSBALANCER.md §8.10): a port that cannot be bound is an error naming it, not a
// process running without that listener; a graceful shutdown turns /readyz 503, refuses new
// upgrades and closes every session with 1001 (wsbalancer just died, with no close frames).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { loadConfigObject } from '../../runtime/config/index.ts';
import { Sluice } from '../../runtime/sluice.ts';
import { connectStatus } from '../helpers/client.ts';
import { harness } from '../helpers/harness.ts';
import { startBackend } from '../helpers/test-backend.ts';

async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function sluiceWith(frontend: string, admin: string, backendUrl: string): Promise<Sluice> {
  const loaded = loadConfigObject(
    {
      server: { frontend: { address: frontend }, admin: { address: admin } },
      upstream: { backends: [{ url: backendUrl }] },
    },
    process.cwd(),
    {},
  );
  assert.ok(loaded.config, JSON.stringify(loaded.problems));
  return new Sluice(loaded.config);
}

test('§8.10: a frontend port in use → start() rejects naming the address', async (t) => {
  const busy = await occupyPort();
  const backend = await startBackend();
  t.after(async () => {
    busy.server.close();
    await backend.stop();
  });
  const sluice = await sluiceWith(`127.0.0.1:${busy.port}`, '127.0.0.1:0', backend.url);
  await assert.rejects(sluice.start(), (err: Error) => {
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${busy.port}`));
    assert.match(err.message, /EADDRINUSE|in use/);
    return true;
  });
  await sluice.stop();
});

test('§8.10: an admin port in use → start() rejects naming it, and the frontend is not left listening', async (t) => {
  const busy = await occupyPort();
  const backend = await startBackend();
  t.after(async () => {
    busy.server.close();
    await backend.stop();
  });
  const sluice = await sluiceWith('127.0.0.1:0', `127.0.0.1:${busy.port}`, backend.url);
  await assert.rejects(sluice.start(), (err: Error) => {
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${busy.port}`));
    return true;
  });
  assert.equal(sluice.frontend.address(), null, 'the frontend listener was closed again');
  await sluice.stop();
});

test('graceful shutdown: /readyz 503 and new upgrades 503 during the drain, every client gets 1001', async (t) => {
  const h = await harness(t, { backends: 2, server: { 'drain-window': '600ms' }, leakCheck: false });
  const clients = [];
  for (let i = 0; i < 3; i++) clients.push(await h.connect());
  assert.equal((await fetch(`${h.sluice.admin}/readyz`)).status, 200);
  const done = h.sluice.sluice.shutdown();
  const ready = await fetch(`${h.sluice.admin}/readyz`);
  assert.equal(ready.status, 503);
  assert.deepEqual(await ready.json(), { status: 'draining' });
  assert.equal(await connectStatus(`${h.sluice.url}/`), 503);
  const closes = await Promise.all(clients.map((c) => c.waitClose(5000)));
  for (const closed of closes) assert.equal(closed.code, 1001);
  await done;
  for (const b of h.backends) {
    await b.waitCloses(b.handshakes.length, 3000);
    for (const close of b.closes) assert.equal(close.code, 1001, 'backends are told the proxy is going away');
  }
});

test('stop(): every session is closed with 1001 at once', async (t) => {
  const h = await harness(t, { backends: 1, leakCheck: false });
  const c = await h.connect();
  await h.sluice.stop();
  assert.equal((await c.waitClose(3000)).code, 1001);
});
