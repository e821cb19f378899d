import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSluice } from '../../runtime/index.ts';
import { VirtualClock } from '../../runtime/sandbox/clock.ts';
import { connect } from '../helpers/client.ts';
import { startBackend, type TestBackend } from '../helpers/test-backend.ts';
import { builtin, Rig } from './helpers.ts';

describe('replay-unanswered in the valve host', () => {
  let rig: Rig;
  const clock = new VirtualClock(1_000_000);
  before(async () => {
    rig = await Rig.start(clock);
  });
  after(() => rig.stop());

  const ocpp = (extra: Record<string, unknown> = {}) =>
    builtin('replay-unanswered', { protocol: 'ocpp', ...extra });
  const rpc = () => builtin('replay-unanswered', { protocol: 'jsonrpc' });

  test('ocpp: on failover the unanswered calls are returned in order; answered ones are not', async () => {
    const s = await rig.session([ocpp()]);
    const calls = [
      '[2,"1","Heartbeat",{}]',
      '[2,"2","StatusNotification",{"connectorId":1}]',
      '[2, "3" ,"Authorize",{}]',
    ];
    assert.deepEqual(await s.passed('fromClient', ...calls), calls, 'calls pass unchanged');
    assert.deepEqual(await s.passed('fromBackend', '[3,"1",{"currentTime":"t"}]'), [
      '[3,"1",{"currentTime":"t"}]',
    ]);
    assert.deepEqual((await s.failover()).forward, [calls[1], calls[2]]);
    assert.ok(rig.valveLogs('replay-unanswered').includes('re-sending 2 unanswered request(s) to backend b'));
  });

  test('ocpp: a second answer for the same call (after a re-send) is dropped; CALLERROR answers too', async () => {
    const s = await rig.session([ocpp()]);
    await s.send('fromClient', '[2,"a","Heartbeat",{}]', '[2,"b","Heartbeat",{}]');
    await s.failover();
    assert.deepEqual(
      await s.passed(
        'fromBackend',
        '[3,"a",{}]',
        '[3,"a",{}]',
        '[4,"b","InternalError","x",{}]',
        '[4,"b","InternalError","x",{}]',
      ),
      ['[3,"a",{}]', '[4,"b","InternalError","x",{}]'],
    );
    assert.deepEqual((await s.failover()).forward, [], 'nothing is left to re-send');
  });

  test('ocpp: calls from the backend and the client answers to them are not tracked', async () => {
    const s = await rig.session([ocpp()]);
    assert.deepEqual(await s.passed('fromBackend', '[2,"x","Reset",{"type":"Soft"}]'), [
      '[2,"x","Reset",{"type":"Soft"}]',
    ]);
    await s.send('fromClient', '[3,"x",{"status":"Accepted"}]', 'not ocpp', new Uint8Array([2]));
    assert.deepEqual((await s.failover()).forward, []);
  });

  test('ocpp: a uniqueId reused after its answer is a new call whose answer passes', async () => {
    const s = await rig.session([ocpp()]);
    await s.send('fromClient', '[2,"1","Heartbeat",{}]');
    await s.send('fromBackend', '[3,"1",{}]');
    await s.send('fromClient', '[2,"1","Heartbeat",{}]');
    assert.deepEqual(await s.passed('fromBackend', '[3,"1",{"n":2}]'), ['[3,"1",{"n":2}]']);
  });

  test('maxPending bounds what is remembered: the oldest is forgotten', async () => {
    const s = await rig.session([ocpp({ maxPending: 2 })]);
    await s.send('fromClient', '[2,"1","A",{}]', '[2,"2","B",{}]', '[2,"3","C",{}]');
    assert.deepEqual((await s.failover()).forward, ['[2,"2","B",{}]', '[2,"3","C",{}]']);
  });

  test('maxAgeMs: requests older than that are not re-sent', async () => {
    const s = await rig.session([ocpp({ maxAgeMs: 30_000 })]);
    await s.send('fromClient', '[2,"old","A",{}]');
    clock.advance(20_000);
    await s.send('fromClient', '[2,"new","B",{}]');
    clock.advance(15_000);
    assert.deepEqual((await s.failover()).forward, ['[2,"new","B",{}]']);
  });

  test('jsonrpc: requests with an id are tracked, notifications and batches are not', async () => {
    const s = await rig.session([rpc()]);
    const r1 = '{"jsonrpc":"2.0","id":1,"method":"sum","params":[1,2]}';
    const ra = '{"jsonrpc":"2.0","id":"1","method":"get"}';
    await s.send(
      'fromClient',
      r1,
      ra,
      '{"jsonrpc":"2.0","method":"log"}',
      '[{"jsonrpc":"2.0","id":9,"method":"x"}]',
    );
    // the number 1 and the string "1" are different ids
    assert.deepEqual(await s.passed('fromBackend', '{"jsonrpc":"2.0","id":1,"result":3}'), [
      '{"jsonrpc":"2.0","id":1,"result":3}',
    ]);
    assert.deepEqual((await s.failover()).forward, [ra]);
    assert.deepEqual(
      await s.passed(
        'fromBackend',
        '{"jsonrpc":"2.0","id":"1","error":{"code":1,"message":"m"}}',
        '{"jsonrpc":"2.0","id":"1","result":0}',
        '{"jsonrpc":"2.0","id":1,"result":3}',
      ),
      ['{"jsonrpc":"2.0","id":"1","error":{"code":1,"message":"m"}}'],
      'answers to ids answered already are dropped',
    );
  });

  test('a bad with: is rejected when the pipeline loads, naming the key', async () => {
    assert.match(
      (await rig.buildErrors(builtin('replay-unanswered', {}))).join('\n'),
      /with\.protocol is required/,
    );
    const bad = (
      await rig.buildErrors(builtin('replay-unanswered', { protocol: 'grpc', maxPending: 0 }))
    ).join('\n');
    assert.match(bad, /with\.protocol must be one of "ocpp", "jsonrpc"/);
    assert.match(bad, /with\.maxPending must be >= 1/);
  });
});

describe('replay-unanswered across a real failover', () => {
  /** A backend that records calls and only answers when told to. */
  const ocppBackend = () => startBackend({ silent: true });

  function answer(b: TestBackend, text: string): void {
    for (const ws of b.connections) ws.send(text);
  }

  const calls = (b: TestBackend) => b.received.map((m) => m.data.toString());

  test('calls the lost backend never answered reach the new backend exactly once; answered ones are not re-sent', async (t) => {
    const backends = [await ocppBackend(), await ocppBackend()];
    t.after(() => Promise.all(backends.map((b) => b.stop())));
    const sluice = await createSluice({
      server: { frontend: { address: '127.0.0.1:0' }, admin: { address: '127.0.0.1:0' } },
      upstream: { backends: backends.map((b) => ({ url: b.url })) },
      pipeline: [{ valve: 'replay-unanswered', with: { protocol: 'ocpp' } }],
    });
    const addr = await sluice.start();
    t.after(() => sluice.stop());
    const client = await connect(`ws://127.0.0.1:${addr.frontend.port}/ocpp/CP1`);
    t.after(() => client.close());

    const c1 = '[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]';
    const c2 = '[2,"2","StatusNotification",{"connectorId":1,"status":"Available","errorCode":"NoError"}]';
    const c3 = '[2,"3","Heartbeat",{}]';
    // the backend is dialled before the client's upgrade is answered
    const first = backends.find((b) => b.handshakes.length === 1)!;
    const second = backends.find((b) => b !== first)!;
    client.send(c1);
    client.send(c2);
    client.send(c3);
    await first.waitReceived(3);
    answer(first, '[3,"1",{"status":"Accepted","currentTime":"2024-01-01T00:00:00Z","interval":60}]');
    await client.waitFor(1);

    first.destroyAll(); // crashes before answering calls 2 and 3
    await second.waitReceived(2);
    assert.deepEqual(calls(second), [c2, c3]);

    // both answers reach the client once, even when the new backend answers twice
    answer(second, '[3,"2",{}]');
    answer(second, '[3,"2",{}]');
    answer(second, '[3,"3",{"currentTime":"t"}]');
    await client.waitFor(3);
    // a later call goes through after everything re-sent: nothing else was sent in between
    const c4 = '[2,"4","Heartbeat",{}]';
    client.send(c4);
    await second.waitReceived(3);
    assert.deepEqual(calls(second), [c2, c3, c4]);
    answer(second, '[3,"4",{}]');
    await client.waitFor(4);
    assert.deepEqual(client.texts().slice(1), ['[3,"2",{}]', '[3,"3",{"currentTime":"t"}]', '[3,"4",{}]']);
  });
});
