import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PipelineVersion } from '../../../runtime/pipeline/version.ts';
import { VirtualClock } from '../../../runtime/sandbox/clock.ts';
import type { ValveHost } from '../../../runtime/sandbox/valve-host.ts';
import { entry, forwarded, info, RecordingSession, startHost, text } from './helpers.ts';

describe('the ctx bridge', () => {
  let host: ValveHost;
  let version: PipelineVersion;
  const clock = new VirtualClock(1_000_000);
  before(async () => {
    ({ host } = await startHost(clock));
    const r = await host.build([entry('inject.js', { onError: 'pass' }), entry('upper.js')]);
    assert.ok(r.ok);
    version = r.version;
  });
  after(() => host.stop());

  async function session(id: string) {
    const s = new RecordingSession(id);
    const pipe = version.selector().select(info(id));
    pipe.open(s, info(id));
    return { s, pipe };
  }

  test('open() can inject a message to the client', async () => {
    const { s, pipe } = await session('open');
    pipe.push(s, 'fromClient', text('x'));
    await s.waitFor(1);
    assert.equal(s.hooks.length, 1);
    assert.deepEqual(
      s.hooks[0].toClient?.map((m) => m.data.toString()),
      ['welcome open on a'],
    );
  });

  test('sendToClient / sendToBackend inject besides the forwarded message, skipping other valves', async () => {
    const { s, pipe } = await session('send');
    pipe.push(s, 'fromClient', text('send'));
    await s.waitFor(1);
    const o = s.results[0].outcome;
    // upper.js ran on the message but not on the injections
    assert.deepEqual(forwarded(o), ['SEND']);
    assert.deepEqual(
      o.toClient?.map((m) => m.data.toString()),
      ['to client'],
    );
    assert.deepEqual(
      o.toBackend?.map((m) => [m.binary, [...m.data]]),
      [[true, [7, 7]]],
    );
  });

  test('ctx.close(code, reason) closes the session; the default is 1000', async () => {
    const { s, pipe } = await session('close');
    pipe.push(s, 'fromClient', text('close'));
    pipe.push(s, 'fromClient', text('close-default'));
    await s.waitFor(2);
    assert.deepEqual(s.results[0].outcome.close, { code: 4000, reason: 'bye' });
    assert.deepEqual(forwarded(s.results[0].outcome), []);
    assert.deepEqual(s.results[1].outcome.close, { code: 1000, reason: '' });
  });

  test('ctx.close with a code peers may not receive is a valve error (on-error pass)', async () => {
    const { s, pipe } = await session('badclose');
    pipe.push(s, 'fromClient', text('bad-close'));
    await s.waitFor(1);
    assert.equal(s.results[0].outcome.close, undefined);
    assert.deepEqual(forwarded(s.results[0].outcome), ['BAD-CLOSE']);
    assert.match(host.status().valves[0].lastError?.message ?? '', /1006 is not a close code/);
  });

  test('ctx.delay(ms) asks to hold the message; more than 60 s is an error', async () => {
    const { s, pipe } = await session('delay');
    pipe.push(s, 'fromClient', text('delay'));
    pipe.push(s, 'fromClient', text('bad-delay'));
    await s.waitFor(2);
    assert.equal(s.results[0].outcome.delayMs, 250);
    assert.equal(s.results[1].outcome.delayMs, 0);
    assert.match(
      host.status().valves[0].lastError?.message ?? '',
      /ctx\.delay\(ms\): ms must be a number from 0 to 60000/,
    );
  });

  test('ctx.now() reads the injected clock; ctx.session describes the session', async () => {
    const { s, pipe } = await session('now');
    clock.advance(500);
    pipe.push(s, 'fromClient', text('now'));
    pipe.push(s, 'fromClient', text('session'));
    await s.waitFor(2);
    assert.deepEqual(forwarded(s.results[0].outcome), ['1000500']);
    const seen = JSON.parse(forwarded(s.results[1].outcome)[0].toLowerCase());
    assert.equal(seen.id, 'now');
    assert.equal(seen.subprotocol, 'ocpp1.6');
    assert.deepEqual(seen.backend, { id: 'a', url: 'ws://127.0.0.1:9090' });
  });

  test('failover() returns messages for the new backend and sees it in ctx.session', async () => {
    const { s, pipe } = await session('fo');
    pipe.failover(s, { id: 'b', url: 'ws://127.0.0.1:9091' });
    await s.waitFor(1);
    assert.deepEqual(forwarded(s.failovers[0]), ['resume on b']);
  });
});
