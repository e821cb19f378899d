import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backend } from '../../../runtime/backend/backend.ts';
import { Selector } from '../../../runtime/backend/selection.ts';
import type { BackendConfig } from '../../../runtime/config/model.ts';

function backend(id: string, weight = 1): Backend {
  const config: BackendConfig = {
    id,
    url: `ws://127.0.0.1/${id}`,
    pingTimeMs: 600_000,
    pongTimeoutMs: 10_000,
    readBufferSize: 1024,
    writeBufferSize: 1024,
    breakerThreshold: 10,
    flapWindowMs: 1000,
    handshakeTimeoutMs: 10_000,
    passHeaders: [],
    abnormalCloseCodes: [1006],
    weight,
    compression: false,
  };
  return new Backend(config);
}

test('round-robin rotates the first pick and keeps the others as fallbacks', () => {
  const s = new Selector('round-robin');
  const bs = [backend('a'), backend('b'), backend('c')];
  const firsts = Array.from({ length: 6 }, () => s.order(bs)[0].id);
  assert.deepEqual(firsts, ['a', 'b', 'c', 'a', 'b', 'c']);
  assert.deepEqual(
    s.order(bs).map((b) => b.id),
    ['a', 'b', 'c'],
  );
});

test('least-sessions picks the backend with the fewest sessions', () => {
  const s = new Selector('least-sessions');
  const bs = [backend('a'), backend('b'), backend('c')];
  bs[0].active = 5;
  bs[1].active = 1;
  bs[2].active = 3;
  assert.deepEqual(
    s.order(bs).map((b) => b.id),
    ['b', 'c', 'a'],
  );
});

test('weighted spreads first picks in proportion to weight', () => {
  const s = new Selector('weighted');
  const bs = [backend('a', 3), backend('b', 1)];
  const counts = { a: 0, b: 0 } as Record<string, number>;
  for (let i = 0; i < 400; i++) counts[s.order(bs)[0].id]++;
  assert.equal(counts.a, 300);
  assert.equal(counts.b, 100);
});

test('no enabled backend gives an empty order', () => {
  assert.deepEqual(new Selector('round-robin').order([]), []);
});
