import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VirtualClock } from '../../runtime/sandbox/clock.ts';
import { builtin, Rig } from './helpers.ts';

describe('rate-limit (on a virtual clock)', () => {
  let rig: Rig;
  const clock = new VirtualClock(1_000_000);
  before(async () => {
    rig = await Rig.start(clock);
  });
  after(() => rig.stop());

  test('a session gets `burst` messages at once, then `rate` per second as time passes', async () => {
    const s = await rig.session([builtin('rate-limit', { rate: 2, burst: 3 })]);
    assert.deepEqual(await s.passed('fromClient', 'a', 'b', 'c', 'd'), ['a', 'b', 'c']);
    clock.advance(499);
    assert.deepEqual(await s.passed('fromClient', 'e'), [], 'not a whole token yet');
    clock.advance(1);
    assert.deepEqual(await s.passed('fromClient', 'f', 'g'), ['f']);
    clock.advance(10_000); // refills up to burst, not beyond
    assert.deepEqual(await s.passed('fromClient', '1', '2', '3', '4'), ['1', '2', '3']);
  });

  test('burst defaults to rate; rate defaults to 10 a second', async () => {
    const s = await rig.session([builtin('rate-limit')]);
    const msgs = Array.from({ length: 12 }, (_, i) => `m${i}`);
    assert.equal((await s.passed('fromClient', ...msgs)).length, 10);
    clock.advance(100);
    assert.deepEqual(await s.passed('fromClient', 'x', 'y'), ['x']);
  });

  test('without key: each session has its own bucket', async () => {
    const v = await rig.build(builtin('rate-limit', { rate: 1, burst: 1 }));
    const a = rig.open(v);
    const b = rig.open(v);
    assert.deepEqual(await a.passed('fromClient', 'a1', 'a2'), ['a1']);
    assert.deepEqual(await b.passed('fromClient', 'b1', 'b2'), ['b1']);
  });

  test('key.header: sessions with the same header value share one bucket', async () => {
    const v = await rig.build(builtin('rate-limit', { rate: 1, burst: 2, key: { header: 'X-User' } }));
    const alice1 = rig.open(v, { headers: { 'x-user': 'alice' } });
    const alice2 = rig.open(v, { headers: { 'x-user': 'alice' } });
    const bob = rig.open(v, { headers: { 'x-user': 'bob' } });
    assert.deepEqual(await alice1.passed('fromClient', '1', '2'), ['1', '2']);
    assert.deepEqual(await alice2.passed('fromClient', '3'), [], "alice's bucket is empty");
    assert.deepEqual(await bob.passed('fromClient', '4', '5'), ['4', '5']);
  });

  test('key.json: the bucket is chosen by a JSON field of each message; messages without it use the session bucket', async () => {
    const v = await rig.build(builtin('rate-limit', { rate: 1, burst: 1, key: { json: 'user.id' } }));
    const a = rig.open(v);
    const b = rig.open(v);
    const u7 = '{"user":{"id":7},"n":1}';
    assert.deepEqual(await a.passed('fromClient', u7), [u7]);
    assert.deepEqual(await b.passed('fromClient', u7, '{"user":{"id":8}}'), ['{"user":{"id":8}}']);
    assert.deepEqual(await b.passed('fromClient', 'not json', '{"other":1}'), ['not json']);
  });

  test('per-key buckets are kept for the maxKeys most recent keys', async () => {
    const v = await rig.build(
      builtin('rate-limit', { rate: 1, burst: 1, key: { header: 'x-k' }, maxKeys: 1 }),
    );
    const k1 = rig.open(v, { headers: { 'x-k': '1' } });
    const k2 = rig.open(v, { headers: { 'x-k': '2' } });
    assert.deepEqual(await k1.passed('fromClient', 'a', 'b'), ['a']);
    assert.deepEqual(await k2.passed('fromClient', 'c'), ['c']); // key 1's bucket is forgotten
    assert.deepEqual(await k1.passed('fromClient', 'd'), ['d']);
  });

  test('per-key buckets start full again after a reload (a new pipeline version)', async () => {
    const e = builtin('rate-limit', { rate: 1, burst: 1, key: { header: 'x-k' } });
    const before = rig.open(await rig.build(e), { headers: { 'x-k': 'r' } });
    assert.deepEqual(await before.passed('fromClient', 'a', 'b'), ['a']);
    const reloaded = rig.open(await rig.build(e), { headers: { 'x-k': 'r' } });
    assert.deepEqual(await reloaded.passed('fromClient', 'c'), ['c']);
  });

  test('action reply answers the sender with the reply text, or JSON for an object', async () => {
    const s = await rig.session([
      builtin('rate-limit', { rate: 1, burst: 1, action: 'reply', reply: { error: 'slow down' } }),
    ]);
    const [ok, over] = await s.send('fromClient', 'a', 'b');
    assert.deepEqual(ok.toClient, []);
    assert.deepEqual(over.forward, []);
    assert.deepEqual(over.toClient, ['{"error":"slow down"}']);
    const back = await rig.session([
      builtin('rate-limit', { rate: 1, burst: 1, action: 'reply', direction: 'fromBackend' }),
    ]);
    const [, over2] = await back.send('fromBackend', 'a', 'b');
    assert.deepEqual(over2.toBackend, ['rate limit exceeded']);
  });

  test('action close closes the session with 1008', async () => {
    const s = await rig.session([builtin('rate-limit', { rate: 1, burst: 1, action: 'close' })]);
    const [, over] = await s.send('fromClient', 'a', 'b');
    assert.deepEqual(over.forward, []);
    assert.deepEqual(over.close, { code: 1008, reason: 'rate limit exceeded' });
  });

  test('direction: fromClient (default) leaves backend messages alone; both shares one bucket', async () => {
    const s = await rig.session([builtin('rate-limit', { rate: 1, burst: 1 })]);
    assert.deepEqual(await s.passed('fromBackend', '1', '2', '3'), ['1', '2', '3']);
    const both = await rig.session([builtin('rate-limit', { rate: 1, burst: 1, direction: 'both' })]);
    assert.deepEqual(await both.passed('fromClient', 'c'), ['c']);
    assert.deepEqual(await both.passed('fromBackend', 'b'), []);
  });

  test('a bad with: is rejected when the pipeline loads, naming the key', async () => {
    const text = (
      await rig.buildErrors(builtin('rate-limit', { rate: 0, key: { cookie: 'sid' }, action: 'ban' }))
    ).join('\n');
    assert.match(text, /with\.rate must be > 0/);
    assert.match(text, /with\.key\.cookie is not an option of this valve/);
    assert.match(text, /with\.action must be one of "drop", "reply", "close"/);
    const two = (await rig.buildErrors(builtin('rate-limit', { key: { header: 'a', json: 'b' } }))).join(
      '\n',
    );
    assert.match(two, /with\.key must NOT have more than 1 properties/);
  });
});
