// The ledger's byte arithmetic against what ws really puts on the wire: a ws client (as the proxy
// is toward a backend) sends through a corked ledger to a plain TCP server that answers the
// upgrade and counts the bytes of every frame after it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { BackendLedger, frameBytes } from '../../../runtime/frontend/backend-ledger.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

test('frame ends the ledger records are the byte offsets ws writes, for every payload length class', async (t) => {
  let afterHandshake = 0;
  let received = 0;
  let peer: Socket | undefined;
  const server = createServer((s) => {
    peer = s;
    let head = '';
    s.on('data', (chunk) => {
      if (afterHandshake === 0) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const key = /sec-websocket-key: (.+)\r\n/i.exec(head)?.[1] ?? '';
        const accept = createHash('sha1')
          .update(key + GUID)
          .digest('base64');
        s.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        afterHandshake = end + 4;
        received = Buffer.byteLength(head, 'latin1');
        return;
      }
      received += chunk.length;
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    peer?.destroy();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  const ledger = BackendLedger.for(ws);
  assert.ok(ledger, 'a plain ws:// link without deflate gets a ledger');
  const sizes = [0, 1, 125, 126, 127, 65535, 65536, 100_000];
  let last = 0;
  let sent = 0;
  for (const n of sizes) {
    last = ledger.frameEnd(n);
    ws.send(Buffer.alloc(n, 7), { binary: true }, () => sent++);
  }
  assert.equal(frameBytes(125), 131);
  assert.equal(frameBytes(126), 134);
  assert.equal(frameBytes(65536), 65550);
  const deadline = Date.now() + 5000;
  while (received < last && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  assert.equal(received, last, 'the server received exactly up to the last frame end');
  assert.equal(sent, sizes.length);
  ws.terminate();
  await new Promise((r) => ws.once('close', r));
  assert.equal(ledger.acceptedAtEnd, last, 'at destroy, the kernel had taken every byte');
});

test('links whose frame sizes are unknown up front write message by message (no ledger)', async (t) => {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
  await new Promise((r) => wss.once('listening', r));
  t.after(() => wss.close());
  const port = (wss.address() as { port: number }).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  t.after(() => ws.terminate());
  assert.equal(BackendLedger.for(ws), undefined, 'permessage-deflate negotiated: no ledger');
});
