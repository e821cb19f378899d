import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_RESPONSE_HEAD_BYTES, ResponseHeadReader } from '../../../runtime/backend/upgrade-response.ts';

const HEAD =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: abc=\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Tag: one\r\nx-tag:  two \r\n\r\n';

test('a head split into one-byte chunks is read whole; the bytes after it are the frames that followed', () => {
  const frame = Buffer.from([0x81, 0x02, 0x68, 0x69]);
  const bytes = Buffer.concat([Buffer.from(HEAD, 'latin1'), frame]);
  const reader = new ResponseHeadReader();
  let read: ReturnType<ResponseHeadReader['push']>;
  for (let i = 0; i < bytes.length - frame.length; i++) {
    assert.equal(read, undefined, `complete too early at byte ${i}`);
    read = reader.push(bytes.subarray(i, i + 1));
  }
  assert.ok(read);
  assert.equal(read.head.status, 101);
  assert.equal(read.rest.length, 0);
  const whole = new ResponseHeadReader().push(bytes);
  assert.ok(whole);
  assert.deepEqual(whole.rest, frame);
});

test('names are lower-cased, repeated headers joined with ", ", each Set-Cookie kept apart', () => {
  const read = new ResponseHeadReader().push(Buffer.from(HEAD, 'latin1'));
  assert.ok(read);
  assert.deepEqual(read.head.headers, {
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-accept': 'abc=',
    'set-cookie': ['a=1', 'b=2'],
    'x-tag': 'one, two',
  });
});

test('informational answers before the final one (103 Early Hints) are skipped', () => {
  const bytes = Buffer.from(`HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n${HEAD}`, 'latin1');
  const read = new ResponseHeadReader().push(bytes);
  assert.ok(read);
  assert.equal(read.head.status, 101);
  assert.equal(read.head.headers.link, undefined);
});

test('a plain HTTP answer gives its status (the dial classifies it)', () => {
  const read = new ResponseHeadReader().push(Buffer.from('HTTP/1.1 403 Forbidden\r\n\r\nno', 'latin1'));
  assert.equal(read?.head.status, 403);
});

test('not HTTP, a header line without a name, and a head over the size limit are errors that say so', () => {
  assert.throws(() => new ResponseHeadReader().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), /status line/);
  assert.throws(
    () => new ResponseHeadReader().push(Buffer.from('HTTP/1.1 101 OK\r\nno colon here\r\n\r\n')),
    /header line/,
  );
  const reader = new ResponseHeadReader();
  assert.equal(reader.push(Buffer.from('HTTP/1.1 101 OK\r\n')), undefined);
  const big = Buffer.from(`X-Pad: ${'x'.repeat(MAX_RESPONSE_HEAD_BYTES)}\r\n`);
  assert.throws(() => reader.push(big), /over 16 KiB/);
});
