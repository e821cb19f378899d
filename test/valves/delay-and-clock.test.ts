// CONTRACT.md §3: ctx.delay(ms) holds a message, and to keep order the later ones of its session
// and direction; ctx.now() is real time in a running Sluice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, startValveSluice } from '../helpers/valve-sluice.ts';

test('ctx.delay(300) holds the message and the later ones of its session, in order', async (t) => {
  const vs = await startValveSluice(
    { valves: { 'delay.js': fixture('delay.js') }, pipeline: [{ valve: './delay.js' }] },
    t,
  );
  const held = await vs.connect();
  const other = await vs.connect();
  const backend = vs.backends[0];
  const sentAt = performance.now();
  held.send('hold:300');
  held.send('next-1');
  held.send('next-2');
  // another session is not held meanwhile
  await other.echo('unheld');
  const otherElapsed = performance.now() - sentAt;
  await held.waitFor(1, 5000);
  const elapsed = performance.now() - sentAt;
  await held.waitFor(3, 5000);
  assert.ok(otherElapsed < elapsed, 'the other session went on while this one was held');
  assert.ok(elapsed >= 290, `held ${elapsed.toFixed(0)} ms, expected at least 300`);
  assert.ok(elapsed < 3000, `held ${elapsed.toFixed(0)} ms, far more than 300`);
  assert.deepEqual(held.texts(), ['hold:300', 'next-1', 'next-2']);
  const order = backend.received.map((m) => m.data.toString()).filter((s) => s !== 'unheld');
  assert.deepEqual(order, ['hold:300', 'next-1', 'next-2']);
});

test('ctx.now() is the real time in ms', async (t) => {
  const vs = await startValveSluice(
    { valves: { 'delay.js': fixture('delay.js') }, pipeline: [{ valve: './delay.js' }] },
    t,
  );
  const client = await vs.connect();
  const before = Date.now();
  client.send('now');
  await client.waitFor(1);
  const after = Date.now();
  const now = Number(client.texts()[0]);
  assert.ok(now >= before - 5 && now <= after + 5, `ctx.now() ${now} not within [${before}, ${after}]`);
});
