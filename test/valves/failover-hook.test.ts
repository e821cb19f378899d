// CONTRACT.md §3: when a session moves to another backend, failover() runs with ctx.session.backend
// set to the new one, and what it returns reaches the new backend before any replayed or new message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, startValveSluice, waitBackendText } from '../helpers/valve-sluice.ts';

test('a backend killed mid-session: failover() messages reach the new backend first', async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'failover.js': fixture('failover.js') },
      pipeline: [{ valve: './failover.js' }],
      backends: 2,
    },
    t,
  );
  const client = await vs.connect();
  const first = vs.backends.find((b) => b.handshakes.length === 1);
  const next = vs.backends.find((b) => b !== first);
  assert.ok(first && next, 'the session is on one of the two backends');
  client.send('before');
  await client.waitFor(1);
  assert.deepEqual(client.texts(), [`before@${first.id}`]);

  await first.stop(); // a crashed backend: its connections drop without a close frame
  // sent while the proxy notices and fails over: replayed (or lost in flight: at-most-once), never first
  client.send('during');
  await next.waitReceived(2);
  client.send('after');
  await waitBackendText(next, `after@${next.id}`);
  const seen = next.received.map((m) => m.data.toString());
  assert.deepEqual(seen.slice(0, 2), [`hello ${next.id}`, `at ${next.url}`], 'failover() output first');
  const rest = seen.slice(2);
  assert.ok(rest.length <= 2, `nothing duplicated: ${rest.join(', ')}`);
  if (rest.length === 2) assert.match(rest[0], new RegExp(`^during@(${first.id}|${next.id})$`));
  assert.equal(rest.at(-1), `after@${next.id}`, 'ctx.session.backend is the new backend');
  assert.equal(client.closed, undefined, 'the client never noticed');
});
