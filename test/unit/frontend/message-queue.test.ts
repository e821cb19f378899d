import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageQueue } from '../../../runtime/frontend/message-queue.ts';

test('keeps FIFO order and a byte count across many pushes and shifts', () => {
  const q = new MessageQueue();
  for (let i = 0; i < 5000; i++) q.push({ data: Buffer.from(String(i)), binary: false });
  for (let i = 0; i < 4000; i++) assert.equal(q.shift()?.data.toString(), String(i));
  assert.equal(q.length, 1000);
  assert.equal(q.at(0).data.toString(), '4000');
  assert.equal(q.bytes, 1000 * 4);
  q.clear();
  assert.equal(q.length, 0);
  assert.equal(q.shift(), undefined);
});
