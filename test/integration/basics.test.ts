// wsbalancer's BasicsTest (WSBALANCER.md §7) against a real Sluice: echo, plain HTTP, pings,
// run with 1, 2 and 4 backends as the Go suite did.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { SUCCESS } from '../helpers/admin.ts';
import { harness } from '../helpers/harness.ts';

for (const n of [1, 2, 4]) {
  describe(`basics with ${n} backend(s)`, () => {
    test('hello: a text message is echoed unchanged and the backend received exactly it', async (t) => {
      const h = await harness(t, { backends: n });
      const c = await h.connect('/echo');
      c.send('hello');
      await c.waitFor(1);
      assert.equal(c.messages[0].data.toString(), 'hello');
      assert.equal(c.messages[0].binary, false);
      const received = h.backends.flatMap((b) => b.received);
      assert.deepEqual(
        received.map((m) => [m.data.toString(), m.binary]),
        [['hello', false]],
      );
    });

    test('a binary message stays binary both ways', async (t) => {
      const h = await harness(t, { backends: n });
      const c = await h.connect();
      c.send(Buffer.from([0, 1, 2, 255]));
      await c.waitFor(1);
      assert.equal(c.messages[0].binary, true);
      assert.deepEqual([...c.messages[0].data], [0, 1, 2, 255]);
      assert.equal(h.backends.flatMap((b) => b.received)[0].binary, true);
    });

    test('non-websocket-request: a plain GET on the frontend gets 400', async (t) => {
      const h = await harness(t, { backends: n });
      const res = await fetch(h.sluice.url.replace('ws:', 'http:'), { signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 400);
      await res.text();
      assert.equal(
        h.backends.reduce((sum, b) => sum + b.requests.length, 0),
        0,
        'no backend was dialled',
      );
    });

    test('ping: a client ping gets a pong from the proxy', async (t) => {
      const h = await harness(t, { backends: n });
      const c = await h.connect();
      const pong = once(c.ws, 'pong', { signal: AbortSignal.timeout(5000) });
      c.ws.ping('are-you-there');
      const [data] = (await pong) as [Buffer];
      assert.equal(data.toString(), 'are-you-there');
    });

    test('sessions spread round-robin: n sessions land on n different backends', async (t) => {
      const h = await harness(t, { backends: n });
      for (let i = 0; i < n; i++) await h.connect(`/s${i}`);
      for (const b of h.backends) assert.equal(b.handshakes.length, 1, `${b.url} got one session`);
    });
  });
}

test('server-ping: with ping-time 1s every backend receives a ping in each of two consecutive seconds', async (t) => {
  const h = await harness(t, { backends: 4, backend: { 'ping-time': '1s' } });
  for (let i = 0; i < 4; i++) await h.connect();
  await Promise.all(h.backends.map((b) => b.waitPings(3, 4500)));
  for (const b of h.backends) {
    const gaps = b.pingTimes.slice(1).map((at, i) => Math.round(at - b.pingTimes[i]));
    for (const gap of gaps)
      assert.ok(gap >= 800 && gap <= 1400, `${b.url}: pings ${gaps.join(', ')} ms apart`);
  }
});

test('server-ping: a ping-time set at runtime (delete + add) gives a ping every second', async (t) => {
  const h = await harness(t, { backends: 1 });
  const [b] = h.backends;
  const saved = await h.admin.config(b.id);
  assert.deepEqual(await h.admin.action(`/backend/delete/${b.id}`), SUCCESS);
  assert.deepEqual(await h.admin.action('/backend/add', { ...saved, 'ping-time': '1s' }), SUCCESS);
  await h.connect();
  await b.waitPings(4, 5500);
  const gaps = b.pingTimes.slice(1).map((at, i) => Math.round(at - b.pingTimes[i]));
  for (const gap of gaps)
    assert.ok(gap >= 800 && gap <= 1400, `pings ${gaps.join(', ')} ms apart, expected about 1 s`);
});
