import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DialLimiter } from '../../../runtime/backend/dial-limiter.ts';

test('runs at most max at once and serves waiters in order; a double release frees one slot', async () => {
  const limiter = new DialLimiter(2);
  const a = await limiter.acquire();
  const b = await limiter.acquire();
  const order: string[] = [];
  const c = limiter.acquire().then((r) => {
    order.push('c');
    return r;
  });
  const d = limiter.acquire().then((r) => {
    order.push('d');
    return r;
  });
  await Promise.resolve();
  assert.deepEqual(order, []);
  a();
  a();
  const releaseC = await c;
  assert.deepEqual(order, ['c']);
  b();
  const releaseD = await d;
  assert.deepEqual(order, ['c', 'd']);
  releaseC();
  releaseD();
  const e = await limiter.acquire();
  const f = await limiter.acquire();
  e();
  f();
});
