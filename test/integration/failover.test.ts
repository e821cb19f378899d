// Failover (DESIGN.md §3 "Failover without loss", "Close codes travel"; WSBALANCER.md §4, §8.11–12):
// abnormal closes and TCP drops move the session, normal and application closes reach the client
// with their code, and a failover that finds nothing ends with 1013, never a silent 1000.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backendOfOnlySession, harness } from '../helpers/harness.ts';
import { startBackend } from '../helpers/test-backend.ts';
import { waitUntil } from '../helpers/wait.ts';

describe('abnormal backend closes fail over', () => {
  for (const code of [1011, 1012, 1001, 1013]) {
    test(`backend closes with ${code} → the session keeps echoing on another backend, marked as a reconnect`, async (t) => {
      const h = await harness(t, { backends: 2 });
      const c = await h.connect('/app?x=1', undefined, { headers: { 'X-Test-Header': 'kept' } });
      await c.echo('before');
      const first = await backendOfOnlySession(h);
      const other = h.backends.find((b) => b !== first)!;
      first.closeAll(code, 'going away');
      await other.waitHandshakes(1);
      await c.echo('after');
      const hs = other.lastHandshake()!;
      assert.equal(hs.headers['x-balancer-reconnect'], '1');
      assert.equal(hs.headers['x-test-header'], 'kept', 'the handshake is replayed');
      assert.equal(hs.url, '/app?x=1');
      assert.equal(c.closed, undefined, 'the client saw nothing');
      const [s] = await h.admin.sessions();
      assert.equal(s.reconnects, 1);
      assert.equal(s.backendId, other.id);
    });
  }

  test('a TCP drop (no close frame) fails over', async (t) => {
    const h = await harness(t, { backends: 2 });
    const c = await h.connect();
    await c.echo('before');
    const first = await backendOfOnlySession(h);
    const other = h.backends.find((b) => b !== first)!;
    first.destroyAll();
    await other.waitHandshakes(1);
    await c.echo('after');
    assert.equal(other.lastHandshake()!.headers['x-balancer-reconnect'], '1');
  });

  test('with one backend, a 1011 reconnects to the same backend', async (t) => {
    const h = await harness(t, { backends: 1 });
    const c = await h.connect();
    const [b] = h.backends;
    b.closeAll(1011);
    await b.waitHandshakes(2);
    await c.echo('after');
    assert.equal(b.lastHandshake()!.headers['x-balancer-reconnect'], '1');
  });
});

describe('normal and application closes reach the client', () => {
  test('disconnect-normal-closure: backend 1000 → client 1000, no failover', async (t) => {
    const h = await harness(t, { backends: 2 });
    const c = await h.connect();
    const first = await backendOfOnlySession(h);
    first.closeAll(1000, 'done');
    const closed = await c.waitClose(3000);
    assert.deepEqual(closed, { code: 1000, reason: 'done' });
    assert.equal(
      h.backends.reduce((n, b) => n + b.requests.length, 0),
      1,
      'no backend was dialled again',
    );
  });

  test('backend 4001 with a reason → client gets 4001 and the reason', async (t) => {
    const h = await harness(t, { backends: 2 });
    const c = await h.connect();
    (await backendOfOnlySession(h)).closeAll(4001, 'kicked: duplicate login');
    assert.deepEqual(await c.waitClose(3000), { code: 4001, reason: 'kicked: duplicate login' });
    assert.equal(
      h.backends.reduce((n, b) => n + b.requests.length, 0),
      1,
    );
  });

  test('backend 1008 (policy violation) is passed through, not failed over', async (t) => {
    const h = await harness(t, { backends: 2 });
    const c = await h.connect();
    (await backendOfOnlySession(h)).closeAll(1008, 'policy');
    assert.deepEqual(await c.waitClose(3000), { code: 1008, reason: 'policy' });
  });

  test('abnormal-close-codes is honoured: with [4500] a 4500 fails over and 1011 is passed through', async (t) => {
    const h = await harness(t, { backends: 2, backend: { 'abnormal-close-codes': [4500] } });
    const c = await h.connect();
    const first = await backendOfOnlySession(h);
    const other = h.backends.find((b) => b !== first)!;
    first.closeAll(4500, 'custom restart');
    await other.waitHandshakes(1);
    await c.echo('moved');
    other.closeAll(1011, 'crash');
    assert.deepEqual(await c.waitClose(3000), { code: 1011, reason: 'crash' });
  });

  test('BE_ABNORMAL_CLOSE_CODES is honoured too (wsbalancer ignored it)', async (t) => {
    const h = await harness(t, { backends: 2, env: { BE_ABNORMAL_CLOSE_CODES: '4500, 4501' } });
    const c = await h.connect();
    const first = await backendOfOnlySession(h);
    const other = h.backends.find((b) => b !== first)!;
    first.closeAll(4501, 'custom restart');
    await other.waitHandshakes(1);
    await c.echo('moved');
  });
});

describe('failover that finds nothing', () => {
  test('all backends gone → the client gets 1013 (try again later), not 1000', async (t) => {
    const h = await harness(t, { backends: 2, upstream: { 'failover-timeout': '300ms' } });
    const c = await h.connect();
    const started = performance.now();
    for (const b of h.backends) {
      b.server.close();
      b.destroyAll();
    }
    const closed = await c.waitClose(3000);
    assert.equal(closed.code, 1013);
    const took = performance.now() - started;
    assert.ok(took >= 250 && took < 2500, `gave up after ${Math.round(took)} ms, failover-timeout is 300 ms`);
    // Retried with backoff: more than wsbalancer's single pass, far fewer than a busy loop.
    const dials = (await h.admin.backends()).reduce((n, b) => n + b.totalFailures, 0);
    assert.ok(dials >= 3 && dials <= 30, `${dials} failed dials in 300 ms`);
  });

  test('a backend that picks a different subprotocol on failover is skipped', async (t) => {
    const h = await harness(t, { backends: [{ protocols: ['chat.v1'] }, { protocols: ['chat.v2'] }] });
    const c = await h.connect('/', ['chat.v1', 'chat.v2']);
    const first = await backendOfOnlySession(h);
    const other = h.backends.find((b) => b !== first)!;
    const negotiated = c.ws.protocol;
    assert.equal(first.lastHandshake()!.protocol, negotiated);
    first.closeAll(1011);
    // The other backend is tried (and refused for its choice), then the first one is back.
    await first.waitHandshakes(2);
    await c.echo('same protocol');
    assert.ok(other.requests.length >= 1, 'the other backend was tried');
    assert.equal(other.connections.size, 0, 'no session stayed on the backend with the other protocol');
    assert.equal(first.lastHandshake()!.protocol, negotiated);
    assert.equal((await h.admin.sessions())[0].backendId, first.id);
  });

  test('no backend speaks the session subprotocol → 1013 after failover-timeout', async (t) => {
    const h = await harness(t, {
      backends: [{ protocols: ['chat.v1'] }, { protocols: ['chat.v2'] }],
      upstream: { 'failover-timeout': '300ms' },
    });
    const c = await h.connect('/', ['chat.v1', 'chat.v2']);
    const first = await backendOfOnlySession(h);
    first.server.close();
    first.destroyAll();
    assert.equal((await c.waitClose(3000)).code, 1013);
  });
});

test('failover retries with backoff until failover-timeout: a backend back within it gets the session', async (t) => {
  const h = await harness(t, { backends: 1, upstream: { 'failover-timeout': '3s' } });
  const c = await h.connect();
  await c.echo('before');
  const [b] = h.backends;
  const port = b.port;
  b.server.close();
  b.destroyAll();
  // Restart on the same port once Sluice has been refused a few times, as in a rolling restart.
  await waitUntil(async () => (await h.admin.backend(b.id)).totalFailures >= 2, 'two refused dials', 2500);
  const back = h.track(await startBackend({ port }));
  await back.waitHandshakes(1, 3000);
  await c.echo('after the restart');
  assert.equal(back.lastHandshake()!.headers['x-balancer-reconnect'], '1');
  assert.equal(c.closed, undefined);
});

describe('failover policy (§8.12)', () => {
  test('an admin failover drains the old backend: every echo arrives once, in order', async (t) => {
    const h = await harness(t, { backends: 2 });
    const c = await h.connect();
    await c.echo('warm-up');
    const first = await backendOfOnlySession(h);
    const [s] = await h.admin.sessions();
    const count = 3000;
    const requested = new Promise<void>((resolve, reject) => {
      const onMessage = () => {
        if (first.received.length < 500) return;
        first.events.off('message', onMessage);
        h.admin.action(`/session/failover/${s.id}`).then((r) => {
          assert.equal(r.result, 'success');
          resolve();
        }, reject);
      };
      first.events.on('message', onMessage);
    });
    // Paced in batches, so messages keep coming while the old backend drains and the new one is dialled.
    for (let i = 0; i < count; i++) {
      c.send(`m${i}`);
      if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
    await requested;
    await c.waitFor(count + 1, 10_000);
    await waitUntil(async () => (await h.admin.sessions())[0]?.reconnects === 1, 'the switch completed');
    const echoes = c.texts().slice(1);
    assert.deepEqual(
      echoes,
      Array.from({ length: count }, (_, i) => `m${i}`),
      'no echo lost, duplicated or reordered across the switch',
    );
    const other = h.backends.find((b) => b !== first)!;
    assert.ok(other.received.length > 0, 'the new backend took part of the stream');
    const received = h.backends.reduce((n, b) => n + b.received.length, 0);
    assert.equal(received, count + 1, 'each message reached exactly one backend');
  });

  test('a 4xx other than 401/403 on failover skips that backend instead of killing the session', async (t) => {
    const h = await harness(t, { backends: 3 });
    const c = await h.connect();
    const first = await backendOfOnlySession(h);
    const [declining, later] = h.backends.filter((b) => b !== first);
    declining.options.rejectWith = 404;
    later.options.rejectWith = 503;
    first.server.close();
    first.closeAll(1011);
    await declining.waitRequests(1);
    await later.waitRequests(1);
    later.options.rejectWith = undefined; // back within failover-timeout
    await later.waitHandshakes(1, 2000);
    await c.echo('on the third backend');
    assert.equal(c.closed, undefined);
  });

  test('a 401/403 on failover closes the session with 1008, without looping over backends', async (t) => {
    const h = await harness(t, { backends: 2 });
    const c = await h.connect();
    const first = await backendOfOnlySession(h);
    const other = h.backends.find((b) => b !== first)!;
    other.options.rejectWith = 403;
    first.server.close();
    first.closeAll(1011);
    assert.equal((await c.waitClose(3000)).code, 1008);
    assert.equal(other.requests.length, 1, 'asked once, not in a loop');
  });

  test('a flapping backend: past max-reconnects failovers the session is closed with 1013', async (t) => {
    const h = await harness(t, { backends: 1, upstream: { 'max-reconnects': 3 } });
    const c = await h.connect();
    const [b] = h.backends;
    b.options.closeOnOpen = 1011;
    b.closeAll(1011);
    assert.equal((await c.waitClose(3000)).code, 1013);
    assert.equal(b.handshakes.length, 4, 'the first connection and 3 reconnects');
  });
});
