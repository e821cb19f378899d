// Close codes travel (DESIGN.md §3, WSBALANCER.md §8.11, FAULTS.md 31–32, 34): a client's close
// reaches the backend with its code and reason (wsbalancer always sent 1000), protocol errors and
// oversized messages close the client with the right code and nothing is forwarded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { harness } from '../helpers/harness.ts';

describe('§8.11: a client close reaches the backend with its code and reason', () => {
  const cases: { code: number | undefined; reason: string; expected: { code: number; reason: string } }[] = [
    { code: 4001, reason: 'bye', expected: { code: 4001, reason: 'bye' } },
    { code: 1000, reason: '', expected: { code: 1000, reason: '' } },
    { code: 1001, reason: 'tab closed', expected: { code: 1001, reason: 'tab closed' } },
    { code: 3000, reason: 'app', expected: { code: 3000, reason: 'app' } },
    { code: undefined, reason: '', expected: { code: 1005, reason: '' } },
  ];
  for (const { code, reason, expected } of cases) {
    test(`client ${code ?? 'close without a code'} ${JSON.stringify(reason)} → backend ${expected.code}`, async (t) => {
      const h = await harness(t);
      const c = await h.connect();
      const [b] = h.backends;
      await c.close(code, reason);
      await b.waitCloses(1, 3000);
      assert.deepEqual(b.closes[0], expected);
      // The client's own close handshake completed with its code echoed.
      assert.equal(c.closed?.code, expected.code);
    });
  }
});

describe('protocol faults on the client side: the right close code, nothing forwarded', () => {
  test('a message over server.max-message-size (1 KiB) → 1009, the backend received nothing', async (t) => {
    const h = await harness(t, { server: { 'max-message-size': '1KiB' } });
    const c = await h.connect();
    await c.echo('small is fine');
    c.send('x'.repeat(1025));
    assert.equal((await c.waitClose(3000)).code, 1009);
    const [b] = h.backends;
    assert.deepEqual(
      b.received.map((m) => m.data.toString()),
      ['small is fine'],
    );
    await b.waitCloses(1, 3000);
    assert.equal(b.closes[0].code, 1009, 'the backend is told why');
  });

  test('a message of exactly max-message-size passes', async (t) => {
    const h = await harness(t, { server: { 'max-message-size': '1KiB' } });
    const c = await h.connect();
    await c.echo('y'.repeat(1024));
  });

  test('invalid UTF-8 in a text message → 1007, nothing forwarded', async (t) => {
    const h = await harness(t);
    const c = await h.connect();
    c.ws.send(Buffer.from([0x68, 0xff, 0xfe]), { binary: false });
    assert.equal((await c.waitClose(3000)).code, 1007);
    assert.equal(h.backends[0].received.length, 0);
  });
});

test('a backend close with an unsendable code never reaches the client as is (1006 → failover)', async (t) => {
  const h = await harness(t, { backends: 2 });
  const c = await h.connect();
  for (const b of h.backends) if (b.connections.size > 0) b.destroyAll();
  await c.echo('failed over, not closed with 1006');
});
