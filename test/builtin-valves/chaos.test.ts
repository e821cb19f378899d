import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { builtin, Rig, type RigSession } from './helpers.ts';

describe('chaos', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start();
  });
  after(() => rig.stop());

  const numbered = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);

  /** Which of 200 messages were dropped. */
  async function dropped(s: RigSession): Promise<string[]> {
    const msgs = numbered(200);
    const out = new Set(await s.passed('fromClient', ...msgs));
    return msgs.filter((m) => !out.has(m));
  }

  test('with no shares set every message passes untouched', async () => {
    const s = await rig.session([builtin('chaos')]);
    const msgs = numbered(50);
    assert.deepEqual(await s.passed('fromClient', ...msgs), msgs);
  });

  test('drop: about that share of the messages is dropped, the same ones for the same seed and path', async () => {
    const e = builtin('chaos', { drop: 0.3, seed: 42 });
    const v = await rig.build(e);
    const first = await dropped(rig.open(v));
    assert.ok(first.length > 30 && first.length < 90, `${first.length} of 200 dropped`);
    assert.deepEqual(await dropped(rig.open(v)), first, 'a second session on the same path repeats the run');
    assert.deepEqual(await dropped(rig.open(await rig.build(e))), first, 'so does a fresh pipeline');
    const other = await dropped(rig.open(await rig.build(builtin('chaos', { drop: 0.3, seed: 43 }))));
    assert.notDeepEqual(other, first, 'another seed, another run');
    const otherPath = await dropped(rig.open(v, { path: '/ocpp/CP2' }));
    assert.notDeepEqual(otherPath, first, 'another session path, another run');
  });

  test('duplicate: the message is sent twice', async () => {
    const s = await rig.session([builtin('chaos', { duplicate: 1 })]);
    assert.deepEqual(await s.passed('fromClient', 'a', 'b'), ['a', 'a', 'b', 'b']);
  });

  test('delay: the message is held delayMs plus up to jitterMs', async () => {
    const fixed = await rig.session([builtin('chaos', { delay: 1, delayMs: 250 })]);
    const [r] = await fixed.send('fromClient', 'a');
    assert.deepEqual([r.forward, r.delayMs], [['a'], 250]);
    const jittery = await rig.session([builtin('chaos', { delay: 1, delayMs: 100, jitterMs: 50 })]);
    const delays = (await jittery.send('fromClient', ...numbered(40))).map((x) => x.delayMs);
    assert.ok(delays.every((d) => d >= 100 && d <= 150));
    assert.ok(new Set(delays).size > 5, 'the jitter varies');
  });

  test('close: the session is closed with closeCode and the message dropped', async () => {
    const s = await rig.session([builtin('chaos', { close: 1, closeCode: 4000 })]);
    const r = await s.one('fromClient', 'a');
    assert.deepEqual([r.forward, r.close], [[], { code: 4000, reason: 'chaos' }]);
    const dflt = await rig.session([builtin('chaos', { close: 1 })]);
    assert.deepEqual((await dflt.one('fromBackend', 'a')).close, { code: 1011, reason: 'chaos' });
  });

  test('shares split one draw: drop 0.5 + duplicate 0.5 drops or duplicates every message', async () => {
    const s = await rig.session([builtin('chaos', { drop: 0.5, duplicate: 0.5 })]);
    const counts = (await s.send('fromClient', ...numbered(100))).map((r) => r.forward.length);
    assert.ok(counts.every((n) => n === 0 || n === 2));
    assert.ok(counts.includes(0) && counts.includes(2));
  });

  test('direction: only the chosen direction is disturbed', async () => {
    const s = await rig.session([builtin('chaos', { drop: 1, direction: 'fromBackend' })]);
    assert.deepEqual(await s.passed('fromClient', 'up'), ['up']);
    assert.deepEqual(await s.passed('fromBackend', 'down'), []);
  });

  test('a bad with: is rejected when the pipeline loads, naming the key', async () => {
    const text = (
      await rig.buildErrors(builtin('chaos', { drop: 1.5, closeCode: 1005, delayMs: 70000 }))
    ).join('\n');
    assert.match(text, /with\.drop must be <= 1/);
    assert.match(text, /with\.closeCode must match a schema in anyOf/);
    assert.match(text, /with\.delayMs must be <= 60000/);
  });
});
