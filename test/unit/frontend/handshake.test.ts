import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerTokens, originAllowed } from '../../../runtime/frontend/handshake.ts';

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
