// Two batches in flight to the valve host (runtime/sandbox/valve-host.ts): the host runs them in
// order, so when it dies only the batch it was running gets on-error; the batch sent behind it was
// never started and is run by the restarted host — each message gets exactly one verdict.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Metrics } from '../../../runtime/metrics.ts';
import type { ValveHost } from '../../../runtime/sandbox/valve-host.ts';
import { entry, forwarded, info, metricValue, RecordingSession, startHost, text } from './helpers.ts';

let host: ValveHost;
let metrics: Metrics;
before(async () => {
  ({ host, metrics } = await startHost());
});
after(() => host.stop());

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('host death with two batches in flight: the running one gets on-error, the next one runs on the new host', async () => {
  const r = await host.build([
    entry('slow.js', { timeoutMs: 2000, onError: 'pass' }),
    entry('upper.js', { onError: 'drop' }),
  ]);
  assert.ok(r.ok);
  const pid = host.pid as number;
  const running = new RecordingSession('running');
  const behind = new RecordingSession('behind');
  const pipes = [running, behind].map((s) => {
    const p = r.version.selector().select(info(s.id));
    p.open(s, info(s.id));
    return p;
  });
  pipes[0].push(running, 'fromClient', text('slow')); // 300 ms in the host
  await turn(); // sent
  pipes[1].push(behind, 'fromClient', text('next'));
  await turn(); // sent too, behind it
  process.kill(pid, 'SIGKILL');
  await Promise.all([running.waitFor(1), behind.waitFor(1)]);
  // slow.js: pass → upper.js: drop
  assert.deepEqual(forwarded(running.results[0].outcome), [], 'the running batch: on-error');
  assert.deepEqual(forwarded(behind.results[0].outcome), ['NEXT'], 'the batch behind it: run again');
  assert.notEqual(host.pid, pid, 'a new host process');
  assert.equal(
    await metricValue(metrics, 'sluice_valve_errors_total', { valve: './upper.js', kind: 'host-crash' }),
    1,
  );
  pipes[1].push(behind, 'fromClient', text('later'));
  await behind.waitFor(2);
  assert.deepEqual(forwarded(behind.results[1].outcome), ['LATER']);
  assert.equal(running.results.length, 1, 'exactly once');
  assert.equal(behind.results.length, 2, 'exactly once');
});
