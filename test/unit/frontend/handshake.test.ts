import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerTokens, originAllowed, splitPath } from '../../../runtime/frontend/handshake.ts';

test('Connection is parsed as a token list (Firefox sends "keep-alive, Upgrade")', () => {
  assert.deepEqual(headerTokens('keep-alive, Upgrade'), ['keep-alive', 'upgrade']);
  assert.deepEqual(headerTokens(['a', 'B ,c']), ['a', 'b', 'c']);
  assert.deepEqual(headerTokens(undefined), []);
});

test('origin policy: empty list or * admits any origin, otherwise an exact match', () => {
  assert.equal(originAllowed('https://evil.example', []), true);
  assert.equal(originAllowed('https://evil.example', ['*']), true);
  assert.equal(originAllowed('https://app.example', ['https://APP.example']), true);
  assert.equal(originAllowed('https://evil.example', ['https://app.example']), false);
  assert.equal(originAllowed(undefined, ['https://app.example']), true);
});

test('path and query for valves are what URL parsing gives, also on the fast path for plain targets', () => {
  const targets = [
    '/',
    '/echo',
    '/echo?x=1&y=two',
    '/a/b/c?q=/x?y',
    '/x?',
    "/it's?q=1",
    "/a?q='x'",
    '/a/../b',
    '/a/./b?x',
    '/a/%2e%2e/b',
    '/a b?c d',
    '/a\\b',
    '//other-host/x',
    '/café',
    '/a#frag',
    '/a/.hidden',
    '/a:b@c;d',
  ];
  for (const target of targets) {
    const url = new URL(target, 'ws://sluice');
    assert.deepEqual(splitPath(target), { path: url.pathname, query: url.search.slice(1) }, target);
  }
  assert.deepEqual(splitPath('/chat/room-1?token=abc'), { path: '/chat/room-1', query: 'token=abc' });
});
