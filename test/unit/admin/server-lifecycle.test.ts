import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { createAdminServer } from '../../../runtime/admin/server.ts';
import { silentLogger } from '../../../runtime/log.ts';
import { createMetrics } from '../../../runtime/metrics.ts';
import { FakeBus } from './fake-bus.ts';
import { adminConfig, post, startAdmin } from './harness.ts';

/** Sends raw bytes and collects everything until the server closes (at most 5 s). */
async function rawExchange(port: number, data: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
  });
  const timer = setTimeout(() => socket.destroy(), 5000);
  socket.write(data);
  await once(socket, 'close');
  clearTimeout(timer);
  return text;
}

describe('admin server lifecycle', () => {
  test('listen resolves with the bound address; address() reports it until close', async (t) => {
    const h = await startAdmin();
    t.after(() => h.close());
    assert.deepEqual(h.server.address(), { host: '127.0.0.1', port: h.port });
    assert.ok(h.port > 0);
    await h.close();
    assert.equal(h.server.address(), undefined);
  });

  test('a port in use rejects listen with an error naming the address and EADDRINUSE', async (t) => {
    const h = await startAdmin();
    t.after(() => h.close());
    const second = createAdminServer({
      config: adminConfig({ port: h.port, address: `127.0.0.1:${h.port}` }),
      bus: new FakeBus(),
      metrics: createMetrics({ instrumentation: false, defaultMetrics: false }),
      health: { live: () => true, ready: () => true },
      logger: silentLogger,
    });
    t.after(() => second.close());
    await assert.rejects(second.listen(), (err: Error & { code?: string }) => {
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${h.port}`));
      assert.match(err.message, /EADDRINUSE/);
      assert.equal(err.code, 'EADDRINUSE');
      return true;
    });
    assert.equal(second.address(), undefined);
  });

  test('listening off loopback without a token is refused before binding', async () => {
    for (const host of ['', '0.0.0.0', '::', '192.0.2.1']) {
      const server = createAdminServer({
        config: adminConfig({ host, address: `${host}:0` }),
        bus: new FakeBus(),
        metrics: createMetrics({ instrumentation: false, defaultMetrics: false }),
        health: { live: () => true, ready: () => true },
        logger: silentLogger,
      });
      await assert.rejects(
        server.listen(),
        /refuses to listen on .* without a token: set server\.admin\.token/,
      );
      assert.equal(server.address(), undefined);
    }
  });

  test('close() closes idle keep-alive connections instead of waiting for them', async () => {
    const h = await startAdmin({}, { closeGraceMs: 30_000 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: h.port, path: '/healthz', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
      // the agent parks the socket in freeSockets once the response is consumed
      for (let i = 0; i < 100 && Object.values(agent.freeSockets).flat().length === 0; i++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const socket = Object.values(agent.freeSockets).flat()[0];
      assert.ok(socket, 'the connection is kept alive');
      const started = Date.now();
      await Promise.all([h.close(), once(socket, 'close')]);
      assert.ok(Date.now() - started < 3000, 'close did not wait for the keep-alive timeout');
    } finally {
      agent.destroy();
      await h.close();
    }
  });

  test('close() drops a request still in flight after the grace period', async () => {
    const h = await startAdmin({}, { closeGraceMs: 100, reloadTimeoutMs: 60_000 });
    h.bus.reload = () => new Promise(() => {});
    const pending = post(h, '/pipeline/reload').then(
      () => 'answered',
      () => 'dropped',
    );
    // wait until the request has reached the bus
    for (let i = 0; i < 200 && !h.bus.calls.includes('reloadPipeline:'); i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(h.bus.calls.includes('reloadPipeline:'));
    const started = Date.now();
    await h.close();
    assert.ok(Date.now() - started < 3000);
    assert.equal(await pending, 'dropped');
  });

  test('headers over max-header-bytes get 431 as JSON', async (t) => {
    const h = await startAdmin({ maxHeaderBytes: 1024 });
    t.after(() => h.close());
    const text = await rawExchange(
      h.port,
      `GET /backend/list HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nX-Big: ${'x'.repeat(4096)}\r\n\r\n`,
    );
    assert.match(text, /^HTTP\/1\.1 431 /);
    assert.ok(text.endsWith('{"result":"failed","reason":"HeadersTooLarge"}'), text);
  });

  test('malformed HTTP gets 400 as JSON and the process keeps serving', async (t) => {
    const h = await startAdmin();
    t.after(() => h.close());
    const text = await rawExchange(h.port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.ok(text.endsWith('{"result":"failed","reason":"BadRequest"}'), text);
    assert.equal((await h.send({ path: '/healthz' })).status, 200);
  });

  test('a client that never finishes its headers is cut off after read-timeout', async (t) => {
    const h = await startAdmin({ readTimeoutMs: 300 });
    t.after(() => h.close());
    const started = Date.now();
    const text = await rawExchange(
      h.port,
      `GET /backend/list HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nX-Slow: 1`,
    );
    assert.ok(Date.now() - started < 4000, 'the connection was closed by the server');
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.ok(text.endsWith('{"result":"failed","reason":"RequestTimeout"}'), text);
  });
});
