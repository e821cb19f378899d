// FAULTS.md §1 and cases 31–37: malformed frames and handshakes at the proxy's front end. Each
// case checks the close code or status the client gets, and that nothing reached the backend.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect } from '../helpers/client.ts';
import { closeFrame, FrameReader, frame, text } from '../helpers/raw-frames.ts';
import { rawRequest, upgradeHeaders } from '../helpers/raw-http.ts';
import { type RunningSluice, startSluice } from '../helpers/sluice.ts';
import { startBackend, type TestBackend } from '../helpers/test-backend.ts';
import { waitUntil } from '../helpers/wait.ts';

let backend: TestBackend;
let proxy: RunningSluice;

before(async () => {
  backend = await startBackend();
  proxy = await startSluice({
    server: { 'max-message-size': '1KiB' },
    upstream: { backends: [{ url: backend.url }] },
  });
});
after(async () => {
  await proxy.stop();
  await backend.stop();
});

async function open(): Promise<{ socket: Socket; reader: FrameReader }> {
  const res = await rawRequest(proxy.url, '/raw', upgradeHeaders());
  assert.equal(res.status, 101);
  return { socket: res.socket, reader: new FrameReader(res.socket) };
}

async function expectClose(frames: Buffer[], code: number): Promise<void> {
  const before = backend.received.length;
  const { socket, reader } = await open();
  for (const f of frames) socket.write(f);
  assert.equal(await reader.closeCode(), code);
  socket.destroy();
  assert.equal(backend.received.length, before, 'nothing was forwarded to the backend');
}

describe('bad frames from a client', () => {
  test('invalid UTF-8 in a text message → 1007', () => expectClose([text(Buffer.from([0xc3, 0x28]))], 1007));
  test('an unmasked frame → 1002', () =>
    expectClose([frame({ opcode: 1, payload: Buffer.from('x'), masked: false })], 1002));
  test('RSV1 without a negotiated extension → 1002', () =>
    expectClose([frame({ opcode: 1, payload: Buffer.from('x'), rsv1: true })], 1002));
  test('opcode 3 → 1002', () => expectClose([frame({ opcode: 3, payload: Buffer.from('x') })], 1002));
  test('a continuation with no start → 1002', () =>
    expectClose([frame({ opcode: 0, payload: Buffer.from('x') })], 1002));
  test('a ping of 126 bytes → 1002', () =>
    expectClose([frame({ opcode: 9, payload: Buffer.alloc(126) })], 1002));
  test('a fragmented ping → 1002', () => expectClose([frame({ opcode: 9, fin: false })], 1002));
  for (const code of [1005, 1006, 1015, 999, 5000]) {
    test(`close code ${code} on the wire → 1002`, () => expectClose([closeFrame(code)], 1002));
  }
  test('a close reason with invalid UTF-8 → 1007', async () => {
    const p = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from([0xc3, 0x28])]);
    await expectClose([frame({ opcode: 8, payload: p })], 1007);
  });
  test('a single frame over max-message-size → 1009', () => expectClose([text('x'.repeat(1025))], 1009));
  test('fragments adding up to more than max-message-size → 1009', () =>
    expectClose([text('x'.repeat(600), false), frame({ opcode: 0, payload: Buffer.alloc(600, 120) })], 1009));
  test('a length field of 2^63−1 → 1009', () =>
    expectClose([frame({ opcode: 2, lengthField: 2n ** 63n - 1n, payload: Buffer.alloc(0) })], 1009));
});

test('a ping between fragments gets its pong, and the message reaches the backend once', async () => {
  const before = backend.received.length;
  const { socket, reader } = await open();
  socket.write(text('hel', false));
  socket.write(frame({ opcode: 9, payload: Buffer.from('p') }));
  socket.write(frame({ opcode: 0, payload: Buffer.from('lo') }));
  const pong = await reader.next(10);
  assert.equal(pong.payload.toString(), 'p');
  const echoed = await reader.next(1);
  assert.equal(echoed.payload.toString(), 'hello');
  assert.equal(backend.received.length, before + 1);
  assert.equal(backend.received.at(-1)?.data.toString(), 'hello');
  socket.write(closeFrame(1000));
  await reader.closeCode();
  socket.destroy();
});

test('data a client sends after its Close is not forwarded', async () => {
  const { socket, reader } = await open();
  const before = backend.received.length;
  socket.write(Buffer.concat([closeFrame(1000), text('late')]));
  assert.equal(await reader.closeCode(), 1000);
  socket.destroy();
  await waitUntil(() => proxy.sluice.frontend.sessions.size === 0, 'the session to end');
  assert.equal(backend.received.length, before);
});

test('an empty close from the client reaches the backend as no status (1005)', async () => {
  const { socket, reader } = await open();
  await waitUntil(() => backend.connections.size > 0, 'the backend connection');
  const [conn] = [...backend.connections].slice(-1);
  const closed = new Promise<number>((resolve) => conn.once('close', (code: number) => resolve(code)));
  socket.write(closeFrame());
  assert.equal(await reader.closeCode(), undefined);
  assert.equal(await closed, 1005);
  socket.destroy();
});

for (const [code, reason] of [
  [1000, 'bye'],
  [3000, 'lib'],
  [4001, 'app'],
] as const) {
  test(`close ${code} from the backend reaches the client unchanged`, async () => {
    const client = await connect(`${proxy.url}/c${code}`);
    await waitUntil(() => backend.connections.size > 0, 'the backend connection');
    const conn = [...backend.connections].at(-1)!;
    conn.close(code, reason);
    assert.deepEqual(await client.waitClose(), { code, reason });
  });
}

describe('bad handshakes', () => {
  test('no Sec-WebSocket-Key → 400, and no backend was dialled', async () => {
    const dials = backend.handshakes.length;
    const h = upgradeHeaders();
    delete (h as Record<string, string>)['Sec-WebSocket-Key'];
    const res = await rawRequest(proxy.url, '/', h);
    res.socket.destroy();
    assert.equal(res.status, 400);
    assert.equal(backend.handshakes.length, dials);
  });
  test('Sec-WebSocket-Version: 8 → 426 with Sec-WebSocket-Version: 13', async () => {
    const res = await rawRequest(proxy.url, '/', upgradeHeaders({ 'Sec-WebSocket-Version': '8' }));
    res.socket.destroy();
    assert.equal(res.status, 426);
    assert.equal(res.headers['sec-websocket-version'], '13');
  });
  test('more than 2,000 request headers → 431 or 400, and the proxy keeps serving', async () => {
    const h = upgradeHeaders();
    for (let i = 0; i < 2100; i++) (h as Record<string, string>)[`x-h${i}`] = 'v';
    const res = await rawRequest(proxy.url, '/', h).catch(() => undefined);
    res?.socket.destroy();
    if (res) assert.ok([400, 431].includes(res.status), `status ${res.status}`);
    const client = await connect(`${proxy.url}/after`);
    client.send('alive');
    await client.waitFor(1);
    await client.close();
  });
});
