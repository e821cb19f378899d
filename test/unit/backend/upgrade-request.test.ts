import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { buildUpgradeRequest } from '../../../runtime/backend/upgrade-request.ts';

const input = (over: Partial<Parameters<typeof buildUpgradeRequest>[0]> = {}) => ({
  url: 'ws://127.0.0.1:9000/base/echo?x=1',
  headers: { 'User-Agent': 'test', 'X-Forwarded-For': '10.0.0.1', cookie: ['a=1', 'b=2'] },
  protocols: [],
  extensions: undefined,
  ...over,
});

function lines(head: string): string[] {
  assert.ok(head.endsWith('\r\n\r\n'), 'the head ends with an empty line');
  return head.slice(0, -4).split('\r\n');
}

test('the request line, the client headers, the WebSocket headers and Host', () => {
  const r = buildUpgradeRequest(input());
  const ls = lines(r.head);
  assert.equal(ls[0], 'GET /base/echo?x=1 HTTP/1.1');
  for (const l of [
    'User-Agent: test',
    'X-Forwarded-For: 10.0.0.1',
    'cookie: a=1',
    'cookie: b=2',
    'Sec-WebSocket-Version: 13',
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Host: 127.0.0.1:9000',
  ]) {
    assert.ok(ls.includes(l), `missing "${l}" in ${JSON.stringify(ls)}`);
  }
  assert.equal(r.host, '127.0.0.1');
  assert.equal(r.port, 9000);
  assert.equal(r.secure, false);
  assert.ok(!ls.some((l) => l.startsWith('Sec-WebSocket-Protocol')));
});

test('each request has its own 16-byte key, and the accept value a real backend computes from it', () => {
  const keys = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const r = buildUpgradeRequest(input());
    const key = lines(r.head)
      .find((l) => l.startsWith('Sec-WebSocket-Key: '))!
      .slice(19);
    assert.equal(Buffer.from(key, 'base64').length, 16);
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    assert.equal(r.accept, accept);
    keys.add(key);
  }
  assert.equal(keys.size, 200);
});

test('wss:// on the default port: Host without a port, SNI from the name, none for an IP', () => {
  const named = buildUpgradeRequest(input({ url: 'wss://backend.example/ws' }));
  assert.equal(named.port, 443);
  assert.equal(named.servername, 'backend.example');
  assert.ok(lines(named.head).includes('Host: backend.example'));
  const ip = buildUpgradeRequest(input({ url: 'wss://[::1]:8443/ws' }));
  assert.equal(ip.host, '::1');
  assert.equal(ip.servername, '');
  assert.ok(lines(ip.head).includes('Host: [::1]:8443'));
});

test('subprotocols and a compression offer are sent; credentials in the URL become Basic auth', () => {
  const r = buildUpgradeRequest(
    input({
      url: 'ws://user:p%40ss@127.0.0.1:9000/',
      protocols: ['chat', 'v2.json'],
      extensions: 'permessage-deflate; client_max_window_bits',
    }),
  );
  const ls = lines(r.head);
  assert.ok(ls.includes('Sec-WebSocket-Protocol: chat,v2.json'));
  assert.ok(ls.includes('Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'));
  assert.ok(ls.includes(`Authorization: Basic ${Buffer.from('user:p@ss').toString('base64')}`));
  const own = buildUpgradeRequest(
    input({ url: 'ws://user:pw@127.0.0.1:9000/', headers: { authorization: 'Bearer t' } }),
  );
  assert.ok(!lines(own.head).some((l) => l.startsWith('Authorization: Basic')), "the client's own wins");
});

test('what cannot be sent as is throws: CR/LF in a value, a bad header name, a bad or repeated subprotocol', () => {
  assert.throws(
    () => buildUpgradeRequest(input({ headers: { 'X-A': 'v\r\nInjected: 1' } })),
    /Invalid character/,
  );
  assert.throws(
    () => buildUpgradeRequest(input({ headers: { 'Bad Name': 'v' } })),
    /must be a valid HTTP token/,
  );
  assert.throws(
    () => buildUpgradeRequest(input({ protocols: ['a b'] })),
    /invalid or duplicated subprotocol/,
  );
  assert.throws(
    () => buildUpgradeRequest(input({ protocols: ['a', 'a'] })),
    /invalid or duplicated subprotocol/,
  );
  assert.throws(() => buildUpgradeRequest(input({ url: 'ws://127.0.0.1:9000/a#frag' })), /fragment/);
});
