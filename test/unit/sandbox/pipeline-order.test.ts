import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ValveHost } from '../../../runtime/sandbox/valve-host.ts';
import { entry, forwarded, info, RecordingSession, startHost, text } from './helpers.ts';

describe('pipeline order', () => {
  let host: ValveHost;
  before(async () => {
    ({ host } = await startHost());
  });
  after(() => host.stop());

  test('fromClient runs valves top to bottom, fromBackend bottom to top (onion)', async () => {
    const r = await host.build([
      entry('tag.js', { with: { name: 'A' } }),
      entry('tag.js', { with: { name: 'B' } }),
      entry('tag.js', { with: { name: 'C' } }),
    ]);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    const s = new RecordingSession('onion');
    const pipe = r.version.selector().select(info('onion'));
    pipe.open(s, info('onion'));
    pipe.push(s, 'fromClient', text('req'));
    pipe.push(s, 'fromBackend', text('res'));
    await s.waitFor(2);
    assert.deepEqual(forwarded(s.results[0].outcome), ['req>A>B>C']);
    assert.deepEqual(forwarded(s.results[1].outcome), ['res<C<B<A']);
  });

  test('an own isolate in the middle keeps the onion order', async () => {
    const r = await host.build([
      entry('tag.js', { with: { name: 'A' } }),
      entry('tag.js', { with: { name: 'B' }, isolate: 'own' }),
      entry('tag.js', { with: { name: 'C' } }),
    ]);
    assert.ok(r.ok);
    const s = new RecordingSession('own');
    const pipe = r.version.selector().select(info('own'));
    pipe.open(s, info('own'));
    for (let i = 0; i < 5; i++) pipe.push(s, 'fromClient', text(`q${i}`));
    pipe.push(s, 'fromBackend', text('res'));
    await s.waitFor(6);
    assert.deepEqual(
      s.results.map((x) => forwarded(x.outcome)[0]),
      ['q0>A>B>C', 'q1>A>B>C', 'q2>A>B>C', 'q3>A>B>C', 'q4>A>B>C', 'res<C<B<A'],
    );
  });

  test('1,000 messages from 20 sessions come back in push order per session and direction', async () => {
    const r = await host.build([entry('counter.js'), entry('tag.js', { with: { name: 'T' } })]);
    assert.ok(r.ok);
    const sessions = Array.from({ length: 20 }, (_, k) => new RecordingSession(`o${k}`));
    const pipes = sessions.map((s) => {
      const p = r.version.selector().select(info(s.id));
      p.open(s, info(s.id));
      return p;
    });
    // interleave sessions and directions within the same ticks, as sockets would
    for (let i = 0; i < 25; i++) {
      for (let k = 0; k < 20; k++) {
        pipes[k].push(sessions[k], 'fromClient', text(`c${i}`));
        pipes[k].push(sessions[k], 'fromBackend', text(`b${i}`));
      }
      if (i % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(sessions.map((s) => s.waitFor(50)));
    for (const s of sessions) {
      const fromClient = s.results.filter((x) => x.direction === 'fromClient');
      const fromBackend = s.results.filter((x) => x.direction === 'fromBackend');
      assert.deepEqual(
        fromClient.map((x) => forwarded(x.outcome)[0]),
        Array.from({ length: 25 }, (_, i) => `${i + 1}:c${i}>T`),
      );
      assert.deepEqual(
        fromBackend.map((x) => x.original),
        Array.from({ length: 25 }, (_, i) => `b${i}`),
      );
    }
  });

  test('a session whose when: selects no valve gets an empty pipeline that answers at once', async () => {
    const r = await host.build([entry('upper.js', { when: { path: '/chat/*' } })]);
    assert.ok(r.ok);
    const other = r.version.selector().select(info('x', { path: '/ocpp/CP1' }));
    assert.equal(other.empty, true);
    const s = new RecordingSession('x');
    other.push(s, 'fromClient', text('hi'));
    assert.equal(s.results[0].outcome.unchanged, true);
    const chat = r.version.selector().select(info('y', { path: '/chat/room1' }));
    assert.equal(chat.empty, false);
    const hdr = await host.build([
      entry('upper.js', { when: { headers: { 'user-agent': '/^test/', 'x-absent': 'v' } } }),
      entry('upper.js', { when: { subprotocol: 'ocpp1.6', headers: { 'user-agent': '/^te/' } } }),
    ]);
    assert.ok(hdr.ok);
    assert.deepEqual(hdr.version.chainFor(info('z')), [1]);
  });
});
