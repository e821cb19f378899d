// CONTRACT.md §3: a result outside the allowed list (a number, a Promise from an async hook, a
// function, a plain object) is a valve error "invalid valve result" naming the valve, and the
// entry's on-error decides: drop (nothing reaches the backend), pass (the original message goes
// on), close (the session closes with 1011). Observed at the real client and backend.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  fixture,
  shown,
  startValveSluice,
  type ValveSluice,
  waitBackendText,
} from '../helpers/valve-sluice.ts';

const POLICIES = ['drop', 'pass', 'close'] as const;
const KINDS = [
  { kind: 'number', valve: 'sync', text: 'number' },
  { kind: 'Promise (async hook)', valve: 'async', text: 'promise' },
  { kind: 'function', valve: 'sync', text: 'function' },
  { kind: 'plain object', valve: 'sync', text: 'object' },
] as const;

describe('invalid valve results get the entry on-error', () => {
  let vs: ValveSluice;
  before(async () => {
    const pipeline: Record<string, unknown>[] = [{ valve: './marker.js' }];
    for (const policy of POLICIES) {
      pipeline.push({ valve: './invalid-result.js', 'on-error': policy, when: { path: `/${policy}/sync` } });
      pipeline.push({ valve: './async-result.js', 'on-error': policy, when: { path: `/${policy}/async` } });
    }
    vs = await startValveSluice({
      valves: {
        'marker.js': fixture('marker.js'),
        'invalid-result.js': fixture('invalid-result.js'),
        'async-result.js': fixture('async-result.js'),
      },
      pipeline,
      backends: [{ silent: true }],
    });
  });
  after(() => vs.stop());

  for (const policy of POLICIES) {
    for (const { kind, valve, text } of KINDS) {
      const effect = {
        drop: 'nothing reaches the backend',
        pass: 'the original message reaches the backend',
        close: 'the session closes with 1011',
      }[policy];
      test(`a ${kind} result is an invalid-result valve error; on-error ${policy}: ${effect}`, async () => {
        const backend = vs.backends[0];
        const file = valve === 'sync' ? './invalid-result.js' : './async-result.js';
        const errors = () => vs.metric('sluice_valve_errors_total', { valve: file, kind: 'invalid-result' });
        const errorsBefore = await errors();
        const logFrom = vs.logs.length;
        const client = await vs.connect(`/${policy}/${valve}`);
        const from = backend.received.length;
        client.send(text);
        if (policy === 'close') {
          const closed = await client.waitClose();
          assert.equal(closed.code, 1011);
        } else {
          const marker = `mark:${policy}-${text}`;
          client.send(marker);
          const at = await waitBackendText(backend, marker, from);
          const before = shown(backend.received.slice(from, at));
          assert.deepEqual(before, policy === 'pass' ? [`text:${text}`] : []);
          assert.equal(client.closed, undefined, 'the session stays open');
        }
        if (policy !== 'pass') {
          const forwarded = backend.received.slice(from).some((m) => m.data.toString() === text);
          assert.equal(forwarded, false, 'never forwarded with drop or close');
        }
        assert.equal(await errors(), errorsBefore + 1, 'counted once as kind="invalid-result"');
        const logged = await vs.waitLog(
          (l) => String(l.msg).includes(`invalid valve result from ${file}`) && l.valve === file,
          'the valve error in the log',
          5000,
          logFrom,
        );
        if (valve === 'async') assert.match(String(logged.msg), /hooks are synchronous/);
      });
    }
  }
});
