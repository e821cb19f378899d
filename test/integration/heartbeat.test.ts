// Liveness on both hops (WSBALANCER.md §5.4: wsbalancer never checked pongs and never pinged
// clients): a backend that stops answering pings is failed over, a client that stops answering
// is closed, and an oversized backend message closes that backend's side with 1009.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendOfOnlySession, harness } from '../helpers/harness.ts';

test('a backend that stops answering pings is treated as dead: the session fails over', async (t) => {
  const h = await harness(t, {
    backends: [{ autoPong: false }, { autoPong: false }],
    backend: { 'ping-time': '200ms', 'pong-timeout': '300ms' },
  });
  const c = await h.connect();
  const hung = await backendOfOnlySession(h);
  const other = h.backends.find((b) => b !== hung)!;
  other.wss.options.autoPong = true;
  await other.waitHandshakes(1, 3000);
  await c.echo('moved off the hung backend');
  assert.equal(other.lastHandshake()!.headers['x-balancer-reconnect'], '1');
  assert.ok(hung.pings >= 1);
});

test('a client that stops answering pings is dropped and its backend connection closed', async (t) => {
  const h = await harness(t, { server: { 'client-ping-interval': '200ms', 'client-pong-timeout': '300ms' } });
  const c = await h.connect('/', undefined, { autoPong: false });
  const [b] = h.backends;
  const closed = await c.waitClose(3000);
  // docs/balancer.md says the client is dropped (1006 here), docs/config.md says closed with 1011.
  assert.ok([1006, 1011].includes(closed.code), `client saw ${closed.code}`);
  await b.waitCloses(1, 3000);
  assert.ok([1001, 1011].includes(b.closes[0].code), `backend saw ${b.closes[0].code}`);
});

test('a client that answers pings stays connected', async (t) => {
  const h = await harness(t, { server: { 'client-ping-interval': '100ms', 'client-pong-timeout': '200ms' } });
  const c = await h.connect();
  let pings = 0;
  await new Promise<void>((resolve) => {
    c.ws.on('ping', () => {
      if (++pings === 4) resolve();
    });
  });
  await c.echo('still here');
  assert.equal(c.closed, undefined);
});

test('a backend message over max-message-size closes the backend side with 1009; the session moves on', async (t) => {
  const h = await harness(t, { backends: 2, server: { 'max-message-size': '1KiB' } });
  const c = await h.connect();
  const serving = await backendOfOnlySession(h);
  const other = h.backends.find((b) => b !== serving)!;
  for (const ws of serving.connections) ws.send('z'.repeat(2048));
  await serving.waitCloses(1, 3000);
  assert.equal(serving.closes[0].code, 1009, 'the sender is told why');
  await other.waitHandshakes(1, 3000);
  await c.echo('carried on');
  assert.deepEqual(c.texts(), ['carried on'], 'the oversized message never reached the client');
});
