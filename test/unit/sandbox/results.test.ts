import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PipelineVersion } from '../../../runtime/pipeline/version.ts';
import type { ValveHost } from '../../../runtime/sandbox/valve-host.ts';
import type { Metrics } from '../../../runtime/metrics.ts';
import { entry, forwarded, info, metricValue, RecordingSession, startHost, text } from './helpers.ts';

describe('valve return values', () => {
  let host: ValveHost;
  let metrics: Metrics;
  let version: PipelineVersion;
  before(async () => {
    ({ host, metrics } = await startHost());
    const r = await host.build([entry('returns.js', { onError: 'drop' })]);
    assert.ok(r.ok);
    version = r.version;
  });
  after(() => host.stop());

  async function run(data: string) {
    const s = new RecordingSession(`s-${data}`);
    const pipe = version.selector().select(info(s.id));
    pipe.open(s, info(s.id));
    pipe.push(s, 'fromClient', text(data));
    await s.waitFor(1);
    return s.results[0].outcome;
  }

  test('undefined leaves the message unchanged and sends no bytes back', async () => {
    const o = await run('undefined');
    assert.equal(o.unchanged, true);
    assert.deepEqual(o.forward, []);
  });

  test('null drops the message (and is not an error)', async () => {
    const o = await run('null');
    assert.equal(o.unchanged, false);
    assert.deepEqual(forwarded(o), []);
    assert.equal(host.status().valves[0].errors, 0);
    assert.equal(await metricValue(metrics, 'sluice_valve_drops_total', { valve: './returns.js' }), 1);
  });

  test('a string replaces the message with text, a Uint8Array with binary', async () => {
    assert.deepEqual(forwarded(await run('string')), ['replaced']);
    const bin = await run('bytes');
    assert.deepEqual(forwarded(bin), ['bin:1,2,3']);
    assert.equal(bin.forward[0].binary, true);
  });

  test('{type, data} objects replace the message with that message', async () => {
    assert.deepEqual(forwarded(await run('text-object')), ['from object']);
    assert.deepEqual(forwarded(await run('binary-object')), ['bin:9']);
  });

  test('an array forwards each element in order; [] drops', async () => {
    assert.deepEqual(forwarded(await run('array')), ['one', 'bin:2', 'three']);
    assert.deepEqual(forwarded(await run('empty-array')), []);
  });

  test('a Uint8Array view forwards only its own bytes', async () => {
    assert.deepEqual(forwarded(await run('view')), ['bin:2,3']);
  });

  for (const bad of ['number', 'function', 'symbol', 'object', 'resizable']) {
    test(`returning a ${bad} is an invalid valve result naming the valve (on-error drop)`, async () => {
      await run('undefined'); // a good call between errors, so that the valve does not trip
      const before = await metricValue(metrics, 'sluice_valve_errors_total', { kind: 'invalid-result' });
      const o = await run(bad);
      assert.deepEqual(forwarded(o), []);
      assert.equal(o.unchanged, false);
      const after = await metricValue(metrics, 'sluice_valve_errors_total', { kind: 'invalid-result' });
      assert.equal(after, before + 1);
      const last = host.status().valves[0].lastError;
      assert.match(last?.message ?? '', /invalid valve result from \.\/returns\.js/);
    });
  }

  test('a Promise is "invalid valve result: hooks are synchronous"', async () => {
    await run('promise');
    assert.match(
      host.status().valves[0].lastError?.message ?? '',
      /invalid valve result.*hooks are synchronous/,
    );
  });

  test('an async hook is an invalid result, and later messages still flow', async () => {
    const r = await host.build([entry('async-hook.js', { onError: 'pass' })]);
    assert.ok(r.ok);
    const s = new RecordingSession('async');
    const pipe = r.version.selector().select(info('async'));
    pipe.open(s, info('async'));
    for (let i = 0; i < 3; i++) pipe.push(s, 'fromClient', text(`m${i}`));
    await s.waitFor(3);
    // on-error pass: each message goes on unchanged
    assert.deepEqual(
      s.results.map((x) => x.outcome.unchanged),
      [true, true, true],
    );
    assert.match(host.status().valves[0].lastError?.message ?? '', /hooks are synchronous/);
    host.retire(r.version);
  });
});
