import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Metrics } from '../../../runtime/metrics.ts';
import type { ValveHost } from '../../../runtime/sandbox/valve-host.ts';
import { entry, forwarded, info, metricValue, RecordingSession, startHost, text } from './helpers.ts';

describe('valve memory', () => {
  let host: ValveHost;
  let metrics: Metrics;
  before(async () => {
    ({ host, metrics } = await startHost());
  });
  after(() => host.stop());

  test('heap growth past memory-mb: the sandbox is rebuilt, the message gets on-error once, later ones pass', async () => {
    const r = await host.build([entry('memory.js', { memoryMb: 16, timeoutMs: 2000, onError: 'drop' })]);
    assert.ok(r.ok);
    const pid = host.pid;
    const s = new RecordingSession('mem');
    const p = r.version.selector().select(info('mem'));
    p.open(s, info('mem'));
    p.push(s, 'fromClient', text('hello'));
    await s.waitFor(1);
    p.push(s, 'fromClient', text('grow'));
    await s.waitFor(2);
    assert.deepEqual(forwarded(s.results[1].outcome), []);
    p.push(s, 'fromClient', text('state'));
    await s.waitFor(3);
    // a new sandbox: ctx.state starts empty again (the hook set `seen` before returning it)
    assert.deepEqual(forwarded(s.results[2].outcome), ['{"seen":true}']);
    assert.equal(s.results.length, 3);
    assert.equal(await metricValue(metrics, 'sluice_valve_errors_total', { kind: 'memory' }), 1);
    assert.equal(host.pid, pid, 'the host process itself survived');
  });

  // A catastrophic OOM (V8 aborting the process, exit 134) and a hang both end the host process
  // while a batch is in flight; SIGKILL and SIGSTOP reproduce those deterministically.
  for (const signal of ['SIGKILL', 'SIGSTOP'] as const) {
    test(`host ${signal === 'SIGKILL' ? 'death' : 'hang'}: in-flight messages get on-error exactly once, the host restarts, later messages pass`, async () => {
      const r = await host.build([
        entry('slow.js', { timeoutMs: 500, onError: 'pass' }),
        entry('upper.js', { onError: 'drop' }),
      ]);
      assert.ok(r.ok);
      const restartsBefore = await metricValue(metrics, 'sluice_valve_host_restarts_total', {});
      const errorsBefore = await metricValue(metrics, 'sluice_valve_errors_total', {
        valve: './upper.js',
        kind: 'host-crash',
      });
      const pid = host.pid as number;
      const sessions = [new RecordingSession('slow'), new RecordingSession('bystander')];
      const pipes = sessions.map((s) => {
        const p = r.version.selector().select(info(s.id));
        p.open(s, info(s.id));
        return p;
      });
      pipes[0].push(sessions[0], 'fromClient', text('slow'));
      pipes[1].push(sessions[1], 'fromClient', text('in flight'));
      await new Promise((resolve) => setTimeout(resolve, 100)); // the batch is now in the host
      process.kill(pid, signal);
      await Promise.all(sessions.map((s) => s.waitFor(1)));
      // slow.js: pass → upper.js: drop
      assert.deepEqual(forwarded(sessions[0].results[0].outcome), []);
      assert.deepEqual(forwarded(sessions[1].results[0].outcome), []);
      assert.equal(await metricValue(metrics, 'sluice_valve_host_restarts_total', {}), restartsBefore + 1);
      assert.equal(
        await metricValue(metrics, 'sluice_valve_errors_total', { valve: './upper.js', kind: 'host-crash' }),
        errorsBefore + 2,
      );
      pipes[1].push(sessions[1], 'fromClient', text('later'));
      await sessions[1].waitFor(2);
      assert.deepEqual(forwarded(sessions[1].results[1].outcome), ['LATER']);
      assert.notEqual(host.pid, pid);
      assert.equal(sessions[0].results.length, 1, 'exactly once');
      assert.equal(sessions[1].results.length, 2, 'exactly once');
    });
  }
});
