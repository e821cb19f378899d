// The ledger's byte arithmetic against what ws really puts on the wire: a ws client (as the proxy
// is toward a backend) sends through a corked ledger to a plain TCP server that answers the
// upgrade and counts the bytes of every frame after it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
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

/** A ws server on port 0 whose server-side sockets the test can reach. */
async function serverWithSockets(t: TestContext) {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  t.after(() => wss.close());
  const peer = new Promise<WebSocket>((r) => wss.once('connection', r));
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/`, {
    perMessageDeflate: false,
  });
  t.after(() => ws.terminate());
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  return { ws, peer: await peer };
}

test('a batch whose writev fails at once (the backend reset, not yet read) counts none of its messages delivered', async (t) => {
  const { ws, peer } = await serverWithSockets(t);
  const ledger = BackendLedger.for(ws);
  assert.ok(ledger);
  // The reset reaches the client's kernel now; the client has not read it when it writes.
  (peer as unknown as { _socket: Socket })._socket.resetAndDestroy();
  const ends: number[] = [];
  const errors: string[] = [];
  for (let i = 0; i < 5; i++) {
    ends.push(ledger.frameEnd(10));
    ws.send(
      Buffer.alloc(10),
      (err) => err && errors.push((err as NodeJS.ErrnoException).code ?? err.message),
    );
  }
  await new Promise((r) => ws.once('close', r));
  assert.ok(errors.length > 0, 'the writes failed');
  assert.ok(
    ledger.acceptedAtEnd !== undefined && ledger.acceptedAtEnd < ends[0],
    `accepted ${ledger.acceptedAtEnd} must be before the first frame's end ${ends[0]}: nothing of the batch was taken`,
  );
});

test("frames ws writes by itself inside a batch (an automatic pong) move the later messages' ends", async (t) => {
  const { ws, peer } = await serverWithSockets(t);
  const ledger = BackendLedger.for(ws);
  assert.ok(ledger);
  const ends: number[] = [];
  let seen = 0;
  const done = new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      // a reply written from the message handler, as a trusted valve's ctx.sendToBackend does
      const reply = Buffer.from(`ack-${data}`);
      ends.push(ledger.frameEnd(reply.length));
      ws.send(reply);
      if (++seen === 2) setImmediate(resolve);
    });
  });
  // one segment: text "a", ping "pppp", text "b" — ws answers the ping between the two replies
  const raw = (peer as unknown as { _socket: Socket })._socket;
  raw.write(Buffer.from([0x81, 1, 0x61, 0x89, 4, 0x70, 0x70, 0x70, 0x70, 0x81, 1, 0x62]));
  await done;
  assert.equal(ends.length, 2);
  assert.equal(
    ends[1],
    (ws as unknown as { _socket: Socket })._socket.bytesWritten,
    'the last end is the stream end',
  );
  assert.equal(ends[1] - ends[0], frameBytes(4) + frameBytes(5), 'the pong sits between the two replies');
});
