// CONTRACT.md §3 and FAULTS.md §3.4: a hook that allocates past memory-mb loses its sandbox, which
// is rebuilt from the last good source inside the same valve host process; the proxy never dies
// of a valve, every session stays open, and later messages pass the rebuilt valve (with ctx.state
// empty again).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, startValveSluice, waitBackendText } from '../helpers/valve-sluice.ts';
import { waitUntil } from '../helpers/wait.ts';

test('an allocation past memory-mb: same processes, sessions open, later messages pass the rebuilt valve', async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'memory.js': fixture('memory.js'), 'marker.js': fixture('marker.js') },
      pipeline: [
        { valve: './marker.js' },
        { valve: './memory.js', 'memory-mb': 16, timeout: '5s', 'on-error': 'drop' },
      ],
    },
    t,
  );
  const backend = vs.backends[0];
  const before = await vs.pipeline();
  assert.ok(before.hostPid);
  const grower = await vs.connect();
  const bystander = await vs.connect();
  grower.send('a');
  bystander.send('b');
  bystander.send('b');
  await grower.waitFor(1);
  await bystander.waitFor(2);

  grower.send('grow');
  // the messages of the batch that was running share its fate, so go on once it is decided
  await waitUntil(
    async () =>
      (await vs.metric('sluice_valve_errors_total', { valve: './memory.js', kind: 'memory' })) === 1,
    'one memory error charged to memory.js',
    15_000,
    20,
  );
  grower.send('mark:grown');
  await waitBackendText(backend, 'mark:grown');
  assert.equal(
    backend.received.some((m) => m.data.toString().startsWith('grow')),
    false,
    'on-error drop',
  );
  assert.equal(
    await vs.metric('sluice_valve_errors_total', { valve: './marker.js' }),
    0,
    'not charged to others',
  );

  grower.send('c');
  bystander.send('d');
  await grower.waitFor(3);
  await bystander.waitFor(3);
  // a new sandbox: each session's count starts again
  assert.deepEqual(grower.texts(), ['a#1', 'mark:grown', 'c#1']);
  assert.deepEqual(bystander.texts(), ['b#1', 'b#2', 'd#1']);
  assert.equal(grower.closed, undefined);
  assert.equal(bystander.closed, undefined);
  assert.equal((await vs.admin.sessions()).length, 2, 'every session stays open');
  const after = await vs.pipeline();
  assert.equal(after.hostPid, before.hostPid, 'the valve host process itself survived');
  assert.equal(after.hostRestarts, 0);
});
