// Backpressure with a high-water-mark below the socket's own 64 KiB buffer: Node emits 'drain'
// only after a write returned false, so a session paused by one tick's batch (all of it corked
// until the tick ends) must still resume once the batch is written, not wait for the stall
// timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from '../helpers/harness.ts';

test('a burst above a small high-water-mark pauses the client, then every message flows on (no stall close)', async (t) => {
  const h = await harness(t, {
    server: { 'high-water-mark': '16KiB', 'low-water-mark': '4KiB', 'stall-timeout': '2s' },
  });
  const c = await h.connect('/');
  const messages = Array.from({ length: 24 }, (_, i) => `${String(i).padStart(4, '0')}${'x'.repeat(4096)}`);
  // one burst: the proxy reads it in one turn, so its backend writes form one corked batch
  for (const m of messages) c.send(m);
  await c.waitFor(messages.length, 5000);
  assert.deepEqual(c.texts(), messages, 'every message came back, in order');
  assert.equal(c.closed, undefined, 'the session was not closed as stalled');
  const metrics = (await h.admin.get('/metrics')).text;
  assert.match(metrics, /sluice_backpressure_pauses_total\{side="client"\} [1-9]/, 'the client was paused');
});
