// Handshake headers (WSBALANCER.md §5.6–5.8, §7 header/*): what reaches the backend, what reaches
// the client, the subprotocol matrix (every case really run, unlike the Go suite's loop-variable
// bug), X-Forwarded-For trust, and the reconnect header.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { harness } from '../helpers/harness.ts';
import { rawRequest, upgradeHeaders } from '../helpers/raw-http.ts';

const SERVER_PROTOCOLS = ['server-sub-one', 'server-sub-two'];

test('header/pass: a client header reaches the backend verbatim, a pass-header reaches the client', async (t) => {
  const h = await harness(t, { backends: [{ responseHeaders: { 'X-Server-Sent-Header': 'from-backend' } }] });
  const c = await h.connect('/echo?q=1', undefined, { headers: { 'X-Test-Header': 'Test Value 1' } });
  const [b] = h.backends;
  const hs = b.lastHandshake()!;
  assert.equal(hs.headers['x-test-header'], 'Test Value 1');
  assert.equal(hs.url, '/echo?q=1', 'path and query are forwarded');
  assert.equal(hs.headers.host, `127.0.0.1:${b.port}`, 'the backend sees its own Host');
  assert.equal(c.upgradeHeaders?.['x-server-sent-header'], 'from-backend');
});

test('header/pass: backend headers not listed in pass-headers (Set-Cookie) do not reach the client', async (t) => {
  const h = await harness(t, {
    backends: [{ responseHeaders: { 'Set-Cookie': 'a=b', 'X-Other': 'x' } }],
  });
  const c = await h.connect();
  assert.equal(c.upgradeHeaders?.['set-cookie'], undefined);
  assert.equal(c.upgradeHeaders?.['x-other'], undefined);
});

test('header/ignore: a block-headers entry never reaches the backend; others do', async (t) => {
  const h = await harness(t);
  await h.connect('/', undefined, {
    headers: { 'Client-Blocked-Header': 'secret', Cookie: 'k=v', Authorization: 'Bearer x' },
  });
  const hs = h.backends[0].lastHandshake()!;
  assert.equal(hs.headers['client-blocked-header'], undefined);
  assert.equal(hs.headers.cookie, 'k=v');
  assert.equal(hs.headers.authorization, 'Bearer x');
});

describe('header/subproto: the backend chooses, the client gets its choice', () => {
  const cases: { name: string; offer: string[] | undefined; expected: string }[] = [
    { name: 'none', offer: undefined, expected: '' },
    { name: 'nonmatch', offer: ['clientp0'], expected: '' },
    { name: 'first', offer: ['server-sub-one'], expected: 'server-sub-one' },
    { name: 'second', offer: ['server-sub-two'], expected: 'server-sub-two' },
    { name: 'multi', offer: ['clientp0', 'server-sub-two'], expected: 'server-sub-two' },
    { name: 'backend-preference', offer: ['server-sub-two', 'server-sub-one'], expected: 'server-sub-one' },
  ];
  for (const { name, offer, expected } of cases) {
    test(`${name}: offer ${JSON.stringify(offer ?? [])} → "${expected}"`, async (t) => {
      const h = await harness(t, { backends: [{ protocols: SERVER_PROTOCOLS }] });
      if (offer && expected === '') {
        // Node's ws client refuses a 101 that picks none of its offer (browsers and gorilla accept
        // it), so this case is checked on the wire: 101 without Sec-WebSocket-Protocol.
        const res = await rawRequest(
          h.sluice.url,
          '/',
          upgradeHeaders({ 'Sec-WebSocket-Protocol': offer.join(', ') }),
        );
        res.socket.destroy();
        assert.equal(res.status, 101);
        assert.equal(res.headers['sec-websocket-protocol'], undefined, 'client negotiated no protocol');
      } else {
        const c = await h.connect('/', offer);
        assert.equal(c.ws.protocol, expected, 'client negotiated protocol');
        await c.echo('x');
      }
      await h.backends[0].waitHandshakes(1);
      const hs = h.backends[0].lastHandshake()!;
      assert.equal(hs.protocol, expected, 'backend negotiated protocol');
      const received = hs.headers['sec-websocket-protocol']?.split(/\s*,\s*/);
      assert.deepEqual(received, offer, 'the backend received the whole offer, in order');
    });
  }
});

describe('header/xff', () => {
  test('trust on (the default): the client XFF is kept and the peer address appended', async (t) => {
    const h = await harness(t);
    await h.connect('/', undefined, { headers: { 'X-Forwarded-For': '1.2.3.4' } });
    assert.equal(h.backends[0].lastHandshake()!.headers['x-forwarded-for'], '1.2.3.4, 127.0.0.1');
  });

  test('trust on, no client XFF: XFF is the peer address', async (t) => {
    const h = await harness(t);
    await h.connect();
    assert.equal(h.backends[0].lastHandshake()!.headers['x-forwarded-for'], '127.0.0.1');
  });

  test('trust off: the client XFF is replaced by the peer address', async (t) => {
    const h = await harness(t, { server: { 'trust-received-xff': false } });
    await h.connect('/', undefined, { headers: { 'X-Forwarded-For': '1.2.3.4' } });
    assert.equal(h.backends[0].lastHandshake()!.headers['x-forwarded-for'], '127.0.0.1');
  });

  test('FE_TRUST_XFF=false in the environment turns trust off', async (t) => {
    const h = await harness(t, { env: { FE_TRUST_XFF: 'false' } });
    await h.connect('/', undefined, { headers: { 'X-Forwarded-For': '1.2.3.4' } });
    assert.equal(h.backends[0].lastHandshake()!.headers['x-forwarded-for'], '127.0.0.1');
  });

  test('trust-received-xff: false written in a YAML file is honoured (wsbalancer ignored it)', async (t) => {
    const h = await harness(t, {
      yaml: ([b]) =>
        [
          'server:',
          '  frontend: { address: "127.0.0.1:0" }',
          '  admin: { address: "127.0.0.1:0" }',
          '  trust-received-xff: false',
          'upstream:',
          '  backends:',
          `    - url: ${b.url}`,
        ].join('\n'),
    });
    await h.connect('/', undefined, { headers: { 'X-Forwarded-For': '1.2.3.4' } });
    assert.equal(h.backends[0].lastHandshake()!.headers['x-forwarded-for'], '127.0.0.1');
  });
});

test('reconnect: a client cannot send X-Balancer-Reconnect; failover dials carry it', async (t) => {
  const h = await harness(t, { backends: 2 });
  const clients = [];
  for (let i = 0; i < 2; i++) {
    clients.push(await h.connect('/', undefined, { headers: { 'X-Balancer-Reconnect': '1' } }));
  }
  for (const b of h.backends) {
    for (const hs of b.handshakes) assert.equal(hs.headers['x-balancer-reconnect'], undefined, 'stripped');
  }
  const before = h.backends.map((b) => b.handshakes.length);
  for (const b of h.backends) b.closeAll(1011, 'internal error');
  await Promise.all(h.backends.map((b, i) => b.waitHandshakes(before[i] + 1)));
  for (const c of clients) await c.echo('still here');
  for (const b of h.backends) assert.equal(b.lastHandshake()!.headers['x-balancer-reconnect'], '1');
  for (const s of await h.admin.sessions()) assert.equal(s.reconnects, 1);
});
