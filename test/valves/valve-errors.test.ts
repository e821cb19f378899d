// CONTRACT.md §3, §6 and FAULTS.md §3.8: a hook that throws is a valve error, counted in /metrics
// as kind="throw" and logged with the valve's file:line:col; 5 errors in a row trip the valve for
// 10 s (its on-error applies without calling it, kind="tripped").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, startValveSluice, waitBackendText } from '../helpers/valve-sluice.ts';

const valves = { 'throw.js': fixture('throw.js'), 'marker.js': fixture('marker.js') };
const pipeline = [{ valve: './marker.js' }, { valve: './throw.js', 'on-error': 'drop' }];

test('a throw is counted as kind="throw" and logged with file:line:col', async (t) => {
  const vs = await startValveSluice({ valves, pipeline }, t);
  const client = await vs.connect();
  client.send('throw');
  client.send('fine');
  await client.waitFor(1);
  assert.deepEqual(client.texts(), ['fine:ok'], 'the throwing message was dropped, the next passed');
  assert.equal(await vs.metric('sluice_valve_errors_total', { valve: './throw.js', kind: 'throw' }), 1);
  const line = await vs.waitLog((l) => String(l.msg).startsWith('valve error:'), 'the valve error log line');
  assert.equal(line.valve, './throw.js');
  assert.equal(line.kind, 'throw');
  assert.equal(line.at, `${vs.path('throw.js')}:5:20`);
  assert.match(String(line.msg), /TypeError: Cannot read properties of null/);
  const p = await vs.pipeline();
  const status = p.valves.find((v) => v.name === './throw.js');
  assert.deepEqual(
    { file: status?.lastError?.file, line: status?.lastError?.line, column: status?.lastError?.column },
    { file: vs.path('throw.js'), line: 5, column: 20 },
  );
});

test('5 errors in a row trip the valve: on-error applies without calling it (kind="tripped")', async (t) => {
  const vs = await startValveSluice({ valves, pipeline }, t);
  const backend = vs.backends[0];
  const client = await vs.connect();
  for (let i = 0; i < 5; i++) client.send('throw');
  client.send('mark:tripped');
  await waitBackendText(backend, 'mark:tripped');
  assert.equal(await vs.metric('sluice_valve_errors_total', { valve: './throw.js', kind: 'throw' }), 5);
  await vs.waitPipeline((p) => p.valves.some((v) => v.status === 'tripped'), 'the valve shown as tripped');
  // a message the valve would pass is dropped too: the valve is not called while tripped
  const calls = (await vs.pipeline()).valves.find((v) => v.name === './throw.js')?.calls;
  client.send('harmless');
  client.send('mark:after');
  const at = await waitBackendText(backend, 'mark:after');
  assert.deepEqual(
    backend.received.slice(0, at).map((m) => m.data.toString()),
    ['mark:tripped'],
    'harmless was not passed on',
  );
  assert.equal(await vs.metric('sluice_valve_errors_total', { valve: './throw.js', kind: 'tripped' }), 1);
  assert.equal((await vs.pipeline()).valves.find((v) => v.name === './throw.js')?.calls, calls, 'not called');
  await vs.waitLog((l) => /tripped for 10s after 5 errors in a row/.test(String(l.msg)), 'the trip log line');
});
