// FAULTS.md §3.3, 6–10 through a real `sluice run` process: results a hook may not return (a
// Promise, a resizable-ArrayBuffer view, a function, a Symbol, a number, a plain object), a throw,
// unbounded recursion, and a message too big for the proxy to hand to any valve. Each is a typed
// error naming the valve, counted and logged; the sandbox stays usable; no process dies.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rssOf } from '../helpers/process-sluice.ts';
import { waitUntil } from '../helpers/wait.ts';
import { assertSameProcess, mb } from './lib/invariants.ts';
import { reply } from './lib/numbered.ts';
import { sharedValveWorld } from './lib/setup.ts';

describe('invalid results, throws and oversized messages', () => {
  const w = sharedValveWorld(
    [{ valve: './faults.js', when: { path: '/r/*' }, timeout: '50ms', 'on-error': 'pass' }],
    { server: { 'max-message-size': '1MiB' } },
  );
  const invalid = () => w.sp.metric('sluice_valve_errors_total', { kind: 'invalid-result' });

  for (const [fault, what, detail] of [
    ['async', 'a Promise (an async hook)', /hooks are synchronous/],
    ['rab', 'a view of a resizable ArrayBuffer', /resizable ArrayBuffer/],
    ['fn', 'a function', /got a function/],
    ['symbol', 'a Symbol', /got a symbol/],
    ['number', 'a number', /got a number/],
    ['object', 'a plain object', /got an object/],
  ] as const) {
    test(`a hook returning ${what}: "invalid valve result" naming ./faults.js`, async () => {
      const c = await w.sp.connect(`/r/${fault}`);
      const before = await invalid();
      assert.equal(await reply(c, `~${fault}`), `a|~${fault}`, 'on-error pass: the message went on');
      assert.equal(await invalid(), before + 1);
      const line = await w.sp.waitLog(
        (l) => String(l.msg).includes('invalid valve result from ./faults.js') && detail.test(String(l.msg)),
        'the error line',
      );
      assert.equal(line.valve, './faults.js');
      assert.equal(await reply(c, 'ok'), 'a|ok');
      assertSameProcess(w.sp, w.base);
      await c.close();
    });
  }

  test('10k async hook calls: each an invalid result, the sandbox and both processes stay bounded', async () => {
    const c = await w.sp.connect('/r/many-async');
    const before = await invalid();
    const proxyRss = w.sp.rss();
    const hostRss = rssOf(w.hostPid);
    const N = 10_000;
    const WINDOW = 500;
    // alternate with good messages so the valve never errs 5 times in a row (it would trip)
    for (let i = 0; i < 2 * N; i += WINDOW) {
      for (let j = i; j < i + WINDOW; j++) c.send(j % 2 === 0 ? `~async ${j}` : `ok ${j}`);
      await c.waitFor(i + WINDOW, 20_000);
    }
    assert.equal(c.messages.length, 2 * N, 'every message was answered once');
    assert.equal(c.texts()[2 * N - 2], `a|~async ${2 * N - 2}`);
    await waitUntil(async () => (await invalid()) === before + N, `${N} invalid results counted`, 5000);
    const grewProxy = w.sp.rss() - proxyRss;
    const grewHost = rssOf(w.hostPid) - hostRss;
    assert.ok(grewHost < 64 * 1024 * 1024, `the valve host grew ${mb(grewHost)}`);
    assert.ok(grewProxy < 64 * 1024 * 1024, `the proxy grew ${mb(grewProxy)}`);
    await c.close();
  });

  test('a throw (null.x) is logged at faults.js:line:col and counted in /pipeline', async () => {
    const c = await w.sp.connect('/r/null');
    const errorsBefore = (await w.sp.pipeline()).valves[0].errors;
    assert.equal(await reply(c, '~null'), 'a|~null');
    const line = await w.sp.waitLog((l) => /Cannot read properties of null/.test(String(l.msg)), 'the throw');
    assert.match(String(line.at), /faults\.js:\d+:\d+$/, 'the log names file:line:col');
    assert.equal(line.kind, 'throw');
    const p = await w.sp.pipeline();
    assert.equal(p.valves[0].errors, errorsBefore + 1, 'the valve error counter in GET /pipeline');
    const last = (p.valves[0] as { lastError?: { line: number; column: number; message: string } }).lastError;
    assert.ok(last && last.line > 0 && last.column > 0, `lastError has a position: ${JSON.stringify(last)}`);
    await c.close();
  });

  test('unbounded recursion is a RangeError valve error; the sandbox stays usable', async () => {
    const c = await w.sp.connect('/r/recurse');
    const count = Number((await reply(c, '~count')).split('count:')[1]);
    const throws = await w.sp.metric('sluice_valve_errors_total', { kind: 'throw' });
    assert.equal(await reply(c, '~recurse'), 'a|~recurse');
    assert.equal(await w.sp.metric('sluice_valve_errors_total', { kind: 'throw' }), throws + 1);
    await w.sp.waitLog((l) => /RangeError: Maximum call stack/.test(String(l.msg)), 'the RangeError');
    const after = Number((await reply(c, '~count')).split('count:')[1]);
    assert.equal(after, count + 2, 'the same sandbox, its module state intact');
    await c.close();
  });

  test('a message over max-message-size: the client gets 1009 and the valve is never called', async () => {
    const c = await w.sp.connect('/r/big');
    await reply(c, 'warm');
    const calls = await w.sp.metric('sluice_valve_calls_total');
    const oversize = await w.sp.metric('sluice_messages_oversize_total');
    c.send(Buffer.alloc(2 * 1024 * 1024, 120).toString());
    assert.equal((await c.waitClose()).code, 1009);
    assert.equal(await w.sp.metric('sluice_valve_calls_total'), calls, 'no valve call');
    assert.equal(await w.sp.metric('sluice_messages_oversize_total'), oversize + 1);
    const p = await w.sp.pipeline();
    assert.equal(p.valves[0].status, 'running', 'the sandbox was not disposed');
  });
});
