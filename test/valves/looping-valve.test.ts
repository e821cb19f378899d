// FAULTS.md §3.1: a hook that never returns is stopped after its timeout; its message gets the
// entry's on-error, and other sessions keep flowing meanwhile (each waits at most about one
// timeout per looping call).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestClient } from '../helpers/client.ts';
import { fixture, startValveSluice } from '../helpers/valve-sluice.ts';

const TIMEOUT_MS = 50;
// generous for a loaded 2-core CI machine; a hook that was never stopped would never answer
const MARGIN_MS = 450;

test('while(true) in fromClient: on-error within the timeout while another session keeps flowing', async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'loop.js': fixture('loop.js') },
      pipeline: [{ valve: './loop.js', timeout: `${TIMEOUT_MS}ms`, 'on-error': 'pass' }],
    },
    t,
  );
  const looping = await vs.connect();
  const bystander = await vs.connect();

  // the bystander echoes one message after another until the looping session is done
  let done = false;
  const latencies: number[] = [];
  const flowing = (async (c: TestClient) => {
    for (let i = 0; !done && i < 10_000; i++) {
      const t0 = performance.now();
      await c.echo(`b${i}`, 5000);
      latencies.push(performance.now() - t0);
    }
  })(bystander);

  const loopTimes: number[] = [];
  let echoedDuringLoops = 0;
  try {
    for (let k = 0; k < 3; k++) {
      const before = latencies.length;
      const t0 = performance.now();
      const from = looping.messages.length;
      looping.send('loop');
      await looping.waitFor(from + 1, 5000);
      loopTimes.push(performance.now() - t0);
      echoedDuringLoops += latencies.length - before;
      assert.equal(looping.texts()[from], 'loop', 'on-error pass: the message went on unchanged');
    }
  } finally {
    done = true;
    await flowing;
  }

  for (const ms of loopTimes)
    assert.ok(ms < TIMEOUT_MS + MARGIN_MS, `a looping call answered after ${ms} ms`);
  assert.ok(echoedDuringLoops > 0, 'the other session was served while the valve looped');
  const worst = Math.max(...latencies);
  assert.ok(worst < TIMEOUT_MS + MARGIN_MS, `the other session waited ${worst.toFixed(0)} ms at worst`);
  assert.equal(await vs.metric('sluice_valve_errors_total', { valve: './loop.js', kind: 'timeout' }), 3);
  assert.equal(looping.closed, undefined);
  await looping.echo('still open');
});
