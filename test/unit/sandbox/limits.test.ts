import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Metrics } from '../../../runtime/metrics.ts';
import type { ValveHost } from '../../../runtime/sandbox/valve-host.ts';
import { entry, forwarded, info, metricValue, RecordingSession, startHost, text } from './helpers.ts';

describe('valve limits and errors', () => {
  let host: ValveHost;
  let metrics: Metrics;
  before(async () => {
    ({ host, metrics } = await startHost());
  });
  after(() => host.stop());

  test('an infinite loop gets on-error within timeout + margin while other sessions keep flowing', async () => {
    const r = await host.build([entry('loop.js', { timeoutMs: 50, onError: 'drop' }), entry('upper.js')]);
    assert.ok(r.ok);
    const looper = new RecordingSession('looper');
    const other = new RecordingSession('other');
    const pl = r.version.selector().select(info('looper'));
    const po = r.version.selector().select(info('other'));
    pl.open(looper, info('looper'));
    po.open(other, info('other'));
    const t0 = performance.now();
    pl.push(looper, 'fromClient', text('loop'));
    po.push(other, 'fromClient', text('hello'));
    await Promise.all([looper.waitFor(1), other.waitFor(1)]);
    const elapsed = performance.now() - t0;
    assert.ok(elapsed < 50 + 60, `answered after ${elapsed}ms`);
    assert.deepEqual(forwarded(looper.results[0].outcome), []); // dropped
    assert.deepEqual(forwarded(other.results[0].outcome), ['HELLO']);
    assert.equal(await metricValue(metrics, 'sluice_valve_errors_total', { kind: 'timeout' }), 1);
    // the isolate is reused: the same session goes on
    pl.push(looper, 'fromClient', text('after'));
    await looper.waitFor(2);
    assert.deepEqual(forwarded(looper.results[1].outcome), ['AFTER']);
  });

  test('a throw is a valve error logged with file:line:col, and on-error close closes with 1011', async () => {
    const r = await host.build([entry('throws.js', { onError: 'close' })]);
    assert.ok(r.ok);
    const s = new RecordingSession('thrower');
    const p = r.version.selector().select(info('thrower'));
    p.open(s, info('thrower'));
    p.push(s, 'fromClient', text('throw'));
    await s.waitFor(1);
    assert.deepEqual(s.results[0].outcome.close, { code: 1011, reason: 'valve error' });
    const last = host.status().valves[0].lastError;
    assert.ok(last);
    assert.match(last.file, /fixtures\/valves\/throws\.js$/);
    assert.equal(last.line, 5);
    assert.equal(last.column, 20);
    assert.match(last.message, /TypeError: Cannot read properties of null/);
  });

  test('a valve that errors 5 times in a row is tripped: on-error applies without calling it', async () => {
    const r = await host.build([entry('failing.js', { valve: 'failing', onError: 'pass' })]);
    assert.ok(r.ok);
    const s = new RecordingSession('trip');
    const p = r.version.selector().select(info('trip'));
    p.open(s, info('trip'));
    for (let i = 0; i < 8; i++) p.push(s, 'fromClient', text(`m${i}`));
    await s.waitFor(8);
    assert.ok(s.results.every((x) => x.outcome.unchanged)); // pass
    assert.equal(
      await metricValue(metrics, 'sluice_valve_errors_total', { valve: 'failing', kind: 'throw' }),
      5,
    );
    assert.equal(
      await metricValue(metrics, 'sluice_valve_errors_total', { valve: 'failing', kind: 'tripped' }),
      3,
    );
    assert.equal(host.status().valves[0].status, 'tripped');
  });
});
