// CONTRACT.md §3: ctx.state is private to one valve and one session and lives across messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, startValveSluice } from '../helpers/valve-sluice.ts';

test('ctx.state persists across messages, separately per session and per valve', async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'counter.js': fixture('counter.js') },
      // the same file twice: two valves, each with its own state (a shared one would count 11, 22…)
      pipeline: [
        { valve: './counter.js', with: { name: 'a', step: 1 } },
        { valve: './counter.js', with: { name: 'b', step: 10 } },
      ],
    },
    t,
  );
  const one = await vs.connect();
  const two = await vs.connect();
  one.send('x');
  await one.waitFor(1);
  one.send('y');
  await one.waitFor(2);
  two.send('z');
  await two.waitFor(1);
  one.send('w');
  await one.waitFor(3);
  assert.deepEqual(one.texts(), ['x#a=1#b=10', 'y#a=2#b=20', 'w#a=3#b=30']);
  assert.deepEqual(two.texts(), ['z#a=1#b=10']);
});
