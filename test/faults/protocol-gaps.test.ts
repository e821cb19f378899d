// The parts of FAULTS.md §3.34, 35 and 37 that test/protocol/frames.test.ts does not cover, against
// a `sluice run` process: a permessage-deflate bomb (1009, with the proxy's RSS up by far less than
// the inflated size), a POST upgrade (400/405), and a client that never answers the proxy's Close
// (its socket is destroyed after the close timeout).
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { FrameReader, frame, text } from '../helpers/raw-frames.ts';
import { rawRequest, upgradeHeaders, wsKey } from '../helpers/raw-http.ts';
import { assertRecovered, assertSameProcess, mb } from './lib/invariants.ts';
import { Scope, startWorld, type World } from './lib/setup.ts';

const MAX_PAYLOAD = 4 * 1024 * 1024;
const BOMB_BYTES = 256 * 1024 * 1024;

describe('front-end protocol faults', () => {
  const scope = new Scope();
  let w: World;
  before(async () => {
    w = await startWorld(scope, { backends: 1, server: { compression: true, 'max-message-size': '4MiB' } });
  });
  after(async () => {
    try {
      await assertRecovered(w.sp, w.base);
    } finally {
      await scope.run();
    }
  });

  test(`a deflate bomb (${BOMB_BYTES / 1024 / 1024} MiB inflated) → 1009, proxy RSS up by less than 2 × max-message-size`, async () => {
    const res = await rawRequest(
      w.sp.url,
      '/bomb',
      upgradeHeaders({ 'Sec-WebSocket-Extensions': 'permessage-deflate' }),
    );
    assert.equal(res.status, 101);
    assert.match(res.headers['sec-websocket-extensions'] ?? '', /permessage-deflate/);
    const reader = new FrameReader(res.socket);
    const deflated = deflateRawSync(Buffer.alloc(BOMB_BYTES), { level: 9 });
    const payload = deflated.subarray(0, deflated.length - 4); // RFC 7692: drop the 00 00 ff ff tail
    const before = w.sp.rss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, w.sp.rss());
    }, 20);
    res.socket.write(frame({ opcode: 2, rsv1: true, payload }));
    const code = await reader.closeCode(10_000);
    clearInterval(sampler);
    peak = Math.max(peak, w.sp.rss());
    res.socket.destroy();
    assert.equal(code, 1009);
    assert.ok(
      peak - before < 2 * MAX_PAYLOAD,
      `RSS grew ${mb(peak - before)} for a ${mb(payload.length)} bomb`,
    );
    assert.ok((await w.sp.metric('sluice_messages_oversize_total', { direction: 'client_to_backend' })) >= 1);
    assertSameProcess(w.sp, w.base);
  });

  test('a POST upgrade request → 400 or 405, and no backend is dialled', async () => {
    const requests = w.backends[0].requests.length;
    const { port } = new URL(w.sp.url);
    const socket = tcpConnect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /post HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${wsKey()}\r\nContent-Length: 0\r\n\r\n`,
    );
    await new Promise((resolve) => socket.once('close', resolve));
    const status = Number(head.split(' ')[1]);
    assert.ok([400, 405].includes(status), `status ${status}`);
    assert.equal(w.backends[0].requests.length, requests);
  });

  test('a client that never answers the proxy Close is destroyed after the close timeout', async () => {
    const res = await rawRequest(w.sp.url, '/mute', upgradeHeaders());
    assert.equal(res.status, 101);
    const reader = new FrameReader(res.socket);
    res.socket.on('error', () => {});
    // the backend closes normally: the proxy sends Close 1000 to the client, which never answers
    res.socket.write(text('!close 1000 bye'));
    assert.equal(await reader.closeCode(), 1000);
    const t0 = performance.now();
    await new Promise((resolve) => res.socket.once('close', resolve));
    const waited = performance.now() - t0;
    // closeTimeout is 5 s (as ws); destroyed then, not left open
    assert.ok(waited > 3000 && waited < 9000, `destroyed after ${waited.toFixed(0)} ms`);
  });
});
