// The client handshake and the backend dial (WSBALANCER.md §8 items 4–7, FAULTS.md 35, 39–40):
// what is refused before any backend is dialled, what is refused after, and which backend answers
// count against it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { connectStatus } from '../helpers/client.ts';
import { harness } from '../helpers/harness.ts';
import { rawRequest, startRawBackend, upgradeHeaders } from '../helpers/raw-http.ts';

describe('§8.4: permessage-deflate offers', () => {
  test('a client offering permessage-deflate connects and echoes; by default it is declined', async (t) => {
    const h = await harness(t);
    const c = await h.connect('/', undefined, { perMessageDeflate: true });
    await c.echo('compressed? no');
    assert.equal(c.ws.extensions, '', 'declined: the session runs uncompressed');
    const hs = h.backends[0].lastHandshake()!;
    assert.equal(hs.headers['sec-websocket-extensions'], undefined, 'the client offer is not forwarded');
  });

  test('with server.compression: true the client side is compressed, the backend hop is not', async (t) => {
    const h = await harness(t, { server: { compression: true } });
    const c = await h.connect('/', undefined, { perMessageDeflate: true });
    await c.echo('x'.repeat(2000));
    assert.match(c.ws.extensions, /permessage-deflate/);
    assert.equal(h.backends[0].lastHandshake()!.headers['sec-websocket-extensions'], undefined);
    assert.equal(
      h.backends[0].received[0].data.toString(),
      'x'.repeat(2000),
      'valves and backends see plain data',
    );
  });

  test('a backend with compression: true is offered permessage-deflate on its own hop', async (t) => {
    const h = await harness(t, { backends: [{ perMessageDeflate: true }], backend: { compression: true } });
    const c = await h.connect('/', undefined, { perMessageDeflate: false });
    await c.echo('hop by hop');
    assert.match(
      h.backends[0].lastHandshake()!.headers['sec-websocket-extensions'] ?? '',
      /permessage-deflate/,
    );
  });

  test('20 deflate-offering clients trip no breaker (wsbalancer: every one was a 502 and a breaker failure)', async (t) => {
    const h = await harness(t, { backends: 2, backend: { 'breaker-threshold': 2 } });
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => h.connect('/', undefined, { perMessageDeflate: true })),
    );
    await Promise.all(clients.map((c, i) => c.echo(`client ${i}`)));
    for (const b of await h.admin.backends()) {
      assert.equal(b.totalFailures, 0, b.id);
      assert.equal(b.tripped, false, b.id);
    }
  });
});

describe('§8.5 and handshake checks before any dial', () => {
  test('Connection: keep-alive, Upgrade (Firefox) is an upgrade: 101', async (t) => {
    const h = await harness(t);
    const res = await rawRequest(h.sluice.url, '/', upgradeHeaders({ Connection: 'keep-alive, Upgrade' }));
    res.socket.destroy();
    assert.equal(res.status, 101);
    assert.equal(res.headers.upgrade?.toLowerCase(), 'websocket');
  });

  test('Upgrade: WebSocket in another case and Connection: Upgrade, HTTP2-Settings are upgrades too', async (t) => {
    const h = await harness(t);
    const res = await rawRequest(
      h.sluice.url,
      '/',
      upgradeHeaders({ Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'WebSocket' }),
    );
    res.socket.destroy();
    assert.equal(res.status, 101);
  });

  const refused: { name: string; headers: Record<string, string>; status: number }[] = [
    { name: 'no Sec-WebSocket-Key', headers: { 'Sec-WebSocket-Key': '' }, status: 400 },
    { name: 'a malformed key', headers: { 'Sec-WebSocket-Key': 'short' }, status: 400 },
    { name: 'Sec-WebSocket-Version: 8', headers: { 'Sec-WebSocket-Version': '8' }, status: 426 },
    { name: 'Connection: keep-alive only', headers: { Connection: 'keep-alive' }, status: 400 },
  ];
  for (const { name, headers, status } of refused) {
    test(`${name} → ${status}, no backend dialled`, async (t) => {
      const h = await harness(t);
      const res = await rawRequest(h.sluice.url, '/', upgradeHeaders(headers));
      res.socket.destroy();
      assert.equal(res.status, status);
      if (status === 426) assert.equal(res.headers['sec-websocket-version'], '13');
      assert.equal(h.backends[0].requests.length, 0);
    });
  }
});

describe('§8.6: allowed-origins is checked before the backend is dialled', () => {
  test('a cross-origin browser gets 403 and the backend sees no handshake', async (t) => {
    const h = await harness(t, { server: { 'allowed-origins': ['https://app.example'] } });
    assert.equal(await connectStatus(`${h.sluice.url}/`, { origin: 'https://evil.example' }), 403);
    assert.equal(h.backends[0].requests.length, 0);
    assert.equal((await h.admin.backends())[0].activeConnections, 0);
  });

  test('an allowed origin, and a client without Origin, connect', async (t) => {
    const h = await harness(t, { server: { 'allowed-origins': ['https://app.example'] } });
    await (await h.connect('/', undefined, { origin: 'https://app.example' })).echo('allowed');
    await (await h.connect('/')).echo('no origin: not a browser');
  });

  test('without allowed-origins any origin connects (wsbalancer refused cross-origin after dialling)', async (t) => {
    const h = await harness(t);
    await (await h.connect('/', undefined, { origin: 'https://elsewhere.example' })).echo('any origin');
  });
});

describe('§8.7 and misbehaving backends', () => {
  test('a backend answering 200 without upgrading → client 502, counted as a failure, process serves on', async (t) => {
    const h = await harness(t, { backends: [{ rejectWith: 200 }] });
    assert.equal(await connectStatus(`${h.sluice.url}/`), 502);
    const [entry] = await h.admin.backends();
    assert.equal(entry.totalFailures, 1);
    assert.equal(entry.totalConnections, 0);
    assert.equal(entry.activeConnections, 0);
    h.backends[0].options.rejectWith = undefined;
    await (await h.connect()).echo('served after');
  });

  test('a 101 with a wrong Sec-WebSocket-Accept → 502 before any 101 reaches the client', async (t) => {
    const raw = await startRawBackend((_head, socket) => {
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Accept: bm90IHRoZSByaWdodCBrZXk=\r\n\r\n',
      );
    });
    t.after(() => raw.stop());
    const h = await harness(t, { backends: 0, extraUrls: [raw.url] });
    assert.equal(await connectStatus(`${h.sluice.url}/`), 502);
    assert.equal(raw.requests.length, 1);
  });

  test('a backend that never answers the handshake → handshake-timeout, then the next backend', async (t) => {
    const raw = await startRawBackend(() => {});
    t.after(() => raw.stop());
    const h = await harness(t, {
      backends: 1,
      extraUrls: [raw.url],
      backend: { 'handshake-timeout': '300ms' },
    });
    const started = performance.now();
    const c = await h.connect();
    const took = performance.now() - started;
    await c.echo('served by the next backend');
    assert.equal(raw.requests.length, 1, 'the silent backend was tried first');
    assert.ok(took >= 250 && took < 2000, `connected after ${Math.round(took)} ms`);
  });

  test('a backend choosing a subprotocol the client did not offer → 502', async (t) => {
    const raw = await startRawBackend((head, socket) => {
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${acceptKey(key)}\r\nSec-WebSocket-Protocol: not-offered\r\n\r\n`,
      );
    });
    t.after(() => raw.stop());
    const h = await harness(t, { backends: 0, extraUrls: [raw.url] });
    const c = h.client('/', ['chat.v1']);
    await assert.rejects(c.open(), (err: { status?: number }) => err.status === 502);
  });
});

function acceptKey(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}
