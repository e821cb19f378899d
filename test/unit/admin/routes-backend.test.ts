import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backendConfig } from './fake-bus.ts';
import { type AdminHarness, post, startAdmin } from './harness.ts';

const SUCCESS = '{"result":"success"}';
const NO_ACTION = '{"result":"success","reason":"NoActionRequired"}';
const NOT_FOUND = '{"result":"failed","reason":"NotFound"}';

describe('admin /backend endpoints', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin();
  });
  after(() => h.close());

  test('GET /backend/list returns wsbalancer list entries as JSON', async () => {
    const r = await h.send({ path: '/backend/list' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(r.json, [
      {
        url: 'ws://127.0.0.1:9090',
        id: 'a',
        activeConnections: 1,
        enabled: true,
        tripped: false,
        totalConnections: 0,
        totalFailures: 0,
      },
      {
        url: 'ws://127.0.0.1:9091',
        id: 'b',
        activeConnections: 0,
        enabled: true,
        tripped: false,
        totalConnections: 0,
        totalFailures: 0,
      },
    ]);
  });

  test('GET /backend/config/{id} returns the config with wsbalancer keys and Go durations', async () => {
    const r = await h.send({ path: '/backend/config/a' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.text, JSON.stringify(backendConfig('a', 'ws://127.0.0.1:9090')));
    assert.equal((r.json as Record<string, unknown>)['ping-time'], '10m0s');
  });

  test('GET /backend/config of an unknown id is 404 NotFound', async () => {
    const r = await h.send({ path: '/backend/config/nope' });
    assert.equal(r.status, 404);
    assert.equal(r.text, NOT_FOUND);
  });

  test('disable: success, then NoActionRequired, unknown id NotFound', async () => {
    assert.equal((await post(h, '/backend/disable/b')).text, SUCCESS);
    const again = await post(h, '/backend/disable/b');
    assert.equal(again.status, 200);
    assert.equal(again.text, NO_ACTION);
    const list = (await h.send({ path: '/backend/list' })).json as Array<{ id: string; enabled: boolean }>;
    assert.deepEqual(
      list.map((b) => [b.id, b.enabled]),
      [
        ['a', true],
        ['b', false],
      ],
    );
    const unknown = await post(h, '/backend/disable/zzz');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.text, NOT_FOUND);
  });

  test('enable: success, then NoActionRequired, unknown id NotFound', async () => {
    h.bus.backends.get('b')!.enabled = false;
    const first = await post(h, '/backend/enable/b');
    assert.equal(first.status, 200);
    assert.equal(first.text, SUCCESS);
    assert.equal((await post(h, '/backend/enable/b')).text, NO_ACTION);
    const unknown = await post(h, '/backend/enable/zzz');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.text, NOT_FOUND);
  });

  test('reset: a tripped backend is reset, an untripped one needs no action, unknown is NotFound', async () => {
    h.bus.backends.get('a')!.tripped = true;
    assert.equal((await post(h, '/backend/reset/a')).text, SUCCESS);
    assert.equal(h.bus.backends.get('a')!.tripped, false);
    assert.equal((await post(h, '/backend/reset/a')).text, NO_ACTION);
    assert.equal((await post(h, '/backend/reset/zzz')).status, 404);
  });

  test('failover: success with sessions on it, NoActionRequired without, unknown is NotFound', async () => {
    assert.equal((await post(h, '/backend/failover/a')).text, SUCCESS);
    assert.equal((await post(h, '/backend/failover/b')).text, NO_ACTION);
    const unknown = await post(h, '/backend/failover/zzz');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.text, NOT_FOUND);
  });

  test('delete then add with the saved config round-trips the config exactly', async () => {
    const saved = (await h.send({ path: '/backend/config/b' })).text;
    const del = await post(h, '/backend/delete/b');
    assert.equal(del.status, 200);
    assert.equal(del.text, SUCCESS);
    const again = await post(h, '/backend/delete/b');
    assert.equal(again.status, 404);
    assert.equal(again.text, NOT_FOUND);
    assert.equal((await h.send({ path: '/backend/config/b' })).status, 404);

    const add = await post(h, '/backend/add', saved, { 'Content-Type': 'application/json' });
    assert.equal(add.status, 200);
    assert.equal(add.text, SUCCESS);
    assert.equal((await h.send({ path: '/backend/config/b' })).text, saved);
  });

  test('add without a Content-Type is accepted and the parsed body reaches the bus', async () => {
    const r = await post(h, '/backend/add', JSON.stringify({ id: 'c', url: 'ws://127.0.0.1:9092' }));
    assert.equal(r.status, 200);
    assert.equal(r.text, SUCCESS);
    assert.equal(h.bus.backends.get('c')?.config.url, 'ws://127.0.0.1:9092');
  });

  test('add of a duplicate id is 409 with the bus reason', async () => {
    const r = await post(h, '/backend/add', '{"id":"a","url":"ws://127.0.0.1:9999"}', {
      'Content-Type': 'application/json; charset=utf-8',
    });
    assert.equal(r.status, 409);
    assert.deepEqual(r.json, { result: 'failed', reason: 'DuplicateId: backend "a" already exists' });
    assert.equal(r.headers['content-type'], 'application/json');
  });

  test('add that the bus finds invalid is 400 with its reason', async () => {
    const r = await post(h, '/backend/add', '{"url":"http://x"}', { 'Content-Type': 'application/json' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, {
      result: 'failed',
      reason: 'InvalidBackend: url must be a ws:// or wss:// URL',
    });
  });

  test('add with malformed JSON is 400 InvalidJson naming the position, without calling the bus', async () => {
    const calls = h.bus.calls.length;
    const r = await post(h, '/backend/add', '{"url": "ws://x", oops}', {
      'Content-Type': 'application/json',
    });
    assert.equal(r.status, 400);
    const reason = (r.json as { reason: string }).reason;
    assert.match(reason, /^InvalidJson: /);
    assert.match(reason, /at position 18 /);
    assert.equal(h.bus.calls.length, calls);
  });

  test('add with an empty body or wsbalancer-test junk `<>` is 400 InvalidJson', async () => {
    const empty = await post(h, '/backend/add', '', { 'Content-Type': 'application/json' });
    assert.equal(empty.status, 400);
    assert.match((empty.json as { reason: string }).reason, /^InvalidJson: the request body is empty/);
    const junk = await post(h, '/backend/add', '<>');
    assert.equal(junk.status, 400);
    assert.deepEqual(Object.keys(junk.json as object), ['result', 'reason']);
    assert.equal((junk.json as { result: string }).result, 'failed');
  });

  test('add with invalid UTF-8 is 400 InvalidJson', async () => {
    const r = await h.send({ method: 'POST', path: '/backend/add', body: Buffer.from([0x7b, 0xff, 0x7d]) });
    assert.equal(r.status, 400);
    assert.equal((r.json as { reason: string }).reason, 'InvalidJson: the request body is not valid UTF-8');
  });

  test('add with a non-JSON, non-simple content type is 415', async () => {
    const r = await post(h, '/backend/add', '<x/>', { 'Content-Type': 'application/xml' });
    assert.equal(r.status, 415);
    assert.equal((r.json as { result: string }).result, 'failed');
  });
});
