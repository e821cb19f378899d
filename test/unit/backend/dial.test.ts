import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
import { type WebSocket, WebSocketServer } from 'ws';
import { type DialRequest, type DialResult, dialBackend } from '../../../runtime/backend/dial.ts';
import type { BackendConfig } from '../../../runtime/config/model.ts';

function config(url: string, over: Partial<BackendConfig> = {}): BackendConfig {
  return {
    id: 'b',
    url,
    pingTimeMs: 600_000,
    pongTimeoutMs: 10_000,
    readBufferSize: 1024,
    writeBufferSize: 1024,
    breakerThreshold: 10,
    handshakeTimeoutMs: 5_000,
    passHeaders: ['X-Backend'],
    abnormalCloseCodes: [1006],
    weight: 1,
    compression: false,
    flapWindowMs: 0,
    ...over,
  };
}

const request = (over: Partial<DialRequest> = {}): DialRequest => ({
  path: '/echo?x=1',
  headers: { 'x-client': 'c1' },
  protocols: [],
  requireProtocol: undefined,
  maxPayload: 1 << 20,
  ...over,
});

/** A TCP server that hands each connection's request head (and the socket) to `answer`. */
async function rawBackend(t: TestContext, answer: (socket: Socket, key: string) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      answer(socket, /sec-websocket-key: (\S+)/i.exec(head)?.[1] ?? '');
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const accept = (key: string) =>
  createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
const switching = (key: string, extra = '') =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n${extra}\r\n`;

async function opened(r: Promise<DialResult>): Promise<WebSocket> {
  const result = await r;
  assert.ok(result.ok, `dial failed: ${result.ok ? '' : `${result.kind} ${result.message}`}`);
  return result.ws;
}

test('against a ws server: the link is a client (masked frames), held until resumed, with its pass-headers', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  t.after(() => wss.close());
  wss.on('headers', (headers) => headers.push('X-Backend: b1'));
  const seen: string[] = [];
  wss.on('connection', (ws, req) => {
    seen.push(`${req.url} ${req.headers['x-client']}`);
    ws.send('greeting');
    ws.on('message', (d) => ws.send(`echo ${d}`));
  });
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  const result = await dialBackend(config(url), request()).result;
  assert.ok(result.ok);
  assert.deepEqual(result.passHeaders, { 'X-Backend': 'b1' });
  assert.deepEqual(seen, ['/echo?x=1 c1']);
  const ws = result.ws;
  t.after(() => ws.terminate());
  const got: string[] = [];
  ws.on('message', (d) => got.push(String(d)));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(got, [], 'nothing is emitted before the session resumes the link');
  ws.resume();
  ws.send('hi'); // a ws server closes with 1002 on an unmasked frame: an echo proves the mask
  while (got.length < 2) await once(ws, 'message');
  assert.deepEqual(got, ['greeting', 'echo hi']);
});

test('frames written in the same TCP segment as the 101, after a 103, reach the link once resumed', async (t) => {
  let firstFrame: (d: Buffer) => void = () => {};
  const framed = new Promise<Buffer>((resolve) => {
    firstFrame = resolve;
  });
  const url = await rawBackend(t, (socket, key) => {
    socket.once('data', firstFrame);
    const hello = Buffer.from([0x81, 0x05, ...Buffer.from('hello')]);
    socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 103 Early Hints\r\n\r\n${switching(key)}`), hello]));
  });
  const ws = await opened(dialBackend(config(url), request()).result);
  t.after(() => ws.terminate());
  ws.resume();
  const [data] = await once(ws, 'message');
  assert.equal(String(data), 'hello');
  ws.send('x');
  const frame = await framed;
  assert.equal(frame[1] & 0x80, 0x80, 'frames to the backend are masked');
});

test('a response head trickled byte by byte still completes the handshake', async (t) => {
  const url = await rawBackend(t, (socket, key) => {
    const bytes = Buffer.from(switching(key, 'X-Backend: slow\r\n'));
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || i >= bytes.length) clearInterval(timer);
      else socket.write(bytes.subarray(i, ++i));
    }, 1);
  });
  const result = await dialBackend(config(url), request()).result;
  assert.ok(result.ok);
  t.after(() => result.ws.terminate());
  assert.deepEqual(result.passHeaders, { 'X-Backend': 'slow' });
});

test('handshake-timeout bounds the whole handshake, even while the backend trickles bytes', async (t) => {
  const url = await rawBackend(t, (socket) => {
    const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write('X')), 10);
    socket.write('HTTP/1.1 101 Switching Protocols\r\n');
  });
  const started = performance.now();
  const result = await dialBackend(config(url, { handshakeTimeoutMs: 150 }), request()).result;
  const took = performance.now() - started;
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.kind, 'timeout');
  assert.equal(!result.ok && result.status, 504);
  assert.ok(took >= 140 && took < 1000, `timed out after ${took.toFixed(0)} ms`);
});

test('abort() ends a dial in progress as aborted and closes its connection', async (t) => {
  let requested: (socket: Socket) => void = () => {};
  const reached = new Promise<Socket>((resolve) => {
    requested = resolve;
  });
  const url = await rawBackend(t, (socket) => requested(socket));
  const pending = dialBackend(config(url), request());
  const socket = await reached;
  const closed = once(socket, 'close');
  pending.abort();
  const result = await pending.result;
  assert.equal(!result.ok && result.kind, 'aborted');
  await closed;
});

test('a 101 with a wrong accept, a 302, a 503, a half head then close: each classified for the breaker', async (t) => {
  const answers: Record<string, (s: Socket, key: string) => void> = {
    'wrong accept': (s) => s.write(switching('other-key')),
    '302': (s) => s.end('HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n'),
    '503': (s) => s.end('HTTP/1.1 503 Service Unavailable\r\n\r\n'),
    'half head': (s) => s.end('HTTP/1.1 101 Switching'),
  };
  const got: Record<string, string> = {};
  for (const [name, answer] of Object.entries(answers)) {
    const url = await rawBackend(t, answer);
    const r = await dialBackend(config(url), request()).result;
    got[name] = r.ok ? 'ok' : `${r.kind} ${r.status}`;
  }
  assert.deepEqual(got, {
    'wrong accept': 'failed 502',
    '302': 'declined 302',
    '503': 'failed 502',
    'half head': 'failed 502',
  });
});

test('on failover a backend choosing another subprotocol than the session has is refused', async (t) => {
  const url = await rawBackend(t, (s, key) => s.write(switching(key, 'Sec-WebSocket-Protocol: v1\r\n')));
  const r = await dialBackend(config(url), request({ protocols: ['v2', 'v1'], requireProtocol: 'v2' }))
    .result;
  assert.equal(!r.ok && r.kind, 'subprotocol');
  const ok = await opened(dialBackend(config(url), request({ protocols: ['v2', 'v1'] })).result);
  t.after(() => ok.terminate());
  assert.equal(ok.protocol, 'v1');
});

test('unusable TLS material for a wss:// backend is a failed dial that names the backend, not a throw', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-dial-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pem = join(dir, 'client.pem');
  writeFileSync(pem, 'not a certificate');
  const tls = { caFile: undefined, certFile: pem, keyFile: pem, insecureSkipVerify: false };
  const r = await dialBackend(config('wss://127.0.0.1:1', { tls }), request()).result;
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && [r.kind, r.status], ['failed', 502]);
  assert.match(!r.ok ? r.message : '', /cannot connect to backend b: .*PEM/);
});
