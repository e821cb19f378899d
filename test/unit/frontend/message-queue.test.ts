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

test('stream offsets stay with their messages across compaction, and a reset forgets them all', () => {
  const q = new MessageQueue();
  for (let i = 0; i < 3000; i++) q.push({ data: Buffer.from(String(i)), binary: false }, i * 10);
  for (let i = 0; i < 2000; i++) q.shift(); // compacts past 1024
  assert.equal(q.at(0).data.toString(), '2000');
  assert.equal(q.endAt(0), 20000);
  q.setEnd(1, 7);
  assert.equal(q.endAt(1), 7);
  q.resetEnds();
  for (let i = 0; i < q.length; i++) assert.equal(q.endAt(i), Number.POSITIVE_INFINITY);
  q.push({ data: Buffer.from('x'), binary: false });
  assert.equal(q.endAt(q.length - 1), Number.POSITIVE_INFINITY, 'unwritten messages have no end yet');
});
