import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type AdminHarness, post, startAdmin } from './harness.ts';

const TOO_LARGE = '{"result":"failed","reason":"BodyTooLarge"}';

/**
 * Streams a chunked body of up to `maxBytes` over a raw socket, on past the server's answer,
 * until the server drops the connection; resolves with the answer and the bytes written.
 */
function streamPastAnswer(port: number, path: string, maxBytes: number) {
  return new Promise<{ response: string; written: number; closed: boolean }>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let written = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after 5 s and ${written} bytes`));
    }, 5000);
    const chunk = Buffer.alloc(8192, 0x20);
    const pump = () => {
      while (written < maxBytes && !socket.destroyed) {
        written += chunk.length;
        const more =
          socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n');
        if (!more) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.on('connect', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
          'Transfer-Encoding: chunked\r\n\r\n',
      );
      setImmediate(pump);
    });
    socket.on('data', (data) => {
      response += data.toString('latin1');
    });
    socket.on('error', () => {}); // the server may reset a connection it stopped reading
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, written, closed: true });
    });
  });
}

describe('admin request body limits', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin();
  });
  after(() => h.close());

  test('a body declared larger than 64 KiB is 413 BodyTooLarge and the connection is closed', async () => {
    const body = JSON.stringify({ url: 'ws://127.0.0.1:1', pad: 'x'.repeat(70_000) });
    const r = await post(h, '/backend/add', body, { 'Content-Type': 'application/json' });
    assert.equal(r.status, 413);
    assert.equal(r.text, TOO_LARGE);
    assert.equal(r.headers.connection, 'close');
    assert.equal(h.bus.backends.size, 2, 'nothing was added');
  });

  test('a body of exactly 64 KiB is still read', async () => {
    const prefix = '{"url":"ws://127.0.0.1:2","id":"big","pad":"';
    const body = prefix + 'x'.repeat(64 * 1024 - prefix.length - 2) + '"}';
    assert.equal(Buffer.byteLength(body), 64 * 1024);
    const r = await post(h, '/backend/add', body, { 'Content-Type': 'application/json' });
    assert.equal(r.text, '{"result":"success"}');
    h.bus.backends.delete('big');
  });

  test('a chunked body is cut at 64 KiB: 413, then the server closes without reading the rest', async () => {
    const max = 256 * 1024 * 1024; // far beyond what loopback socket buffers can hold
    const result = await streamPastAnswer(h.port, '/backend/add', max);
    assert.match(result.response, /^HTTP\/1\.1 413 /);
    assert.ok(result.response.endsWith(TOO_LARGE), result.response);
    assert.ok(result.closed);
    assert.ok(result.written < max, `the server read on until the client gave up (${result.written} bytes)`);
  });

  test('actions other than add cap their (ignored) body too', async () => {
    const r = await post(h, '/backend/disable/a', 'x'.repeat(100_000));
    assert.equal(r.status, 413);
    assert.equal(r.text, TOO_LARGE);
    assert.equal(h.bus.backends.get('a')?.enabled, true, 'the action did not run');
  });

  test('a small body on an action without one is ignored', async () => {
    const r = await post(h, '/backend/disable/b', 'ignored');
    assert.equal(r.text, '{"result":"success"}');
    h.bus.backends.get('b')!.enabled = true;
  });
});
