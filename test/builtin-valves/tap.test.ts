import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { builtin, Rig } from './helpers.ts';

describe('tap', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start();
  });
  after(() => rig.stop());

  /** Lines of the tap labelled `label` (each test uses its own label). */
  const lines = (label: string) => rig.valveLogs('tap').filter((l) => l.startsWith(`${label} `));

  test('logs every message by default, in both directions, and never changes them', async () => {
    const s = await rig.session([builtin('tap', { label: 'all' })]);
    const out = await s.send('fromClient', 'hello', new Uint8Array([1, 255]));
    const back = await s.send('fromBackend', '{"a":1}');
    assert.deepEqual(
      [...out, ...back].map((r) => r.forward),
      [['hello'], ['bin:1,255'], ['{"a":1}']],
    );
    assert.deepEqual(lines('all'), [
      `all client → backend ${s.info.id} text: hello`,
      `all client → backend ${s.info.id} binary 2 bytes: 01 ff`,
      `all backend → client ${s.info.id} text: {"a":1}`,
    ]);
  });

  test('sample: 0.25 logs the 1st, 5th, 9th… message, counted across sessions', async () => {
    const v = await rig.build(builtin('tap', { label: 'sampled', sample: 0.25 }));
    const a = rig.open(v);
    const b = rig.open(v);
    await a.send('fromClient', 'm0', 'm1', 'm2');
    await b.send('fromClient', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8');
    assert.deepEqual(
      lines('sampled').map((l) => l.split(' ').pop()),
      ['m0', 'm4', 'm8'],
    );
  });

  test('sample: 0 logs nothing', async () => {
    const s = await rig.session([builtin('tap', { label: 'none', sample: 0 })]);
    await s.send('fromClient', 'a', 'b');
    assert.deepEqual(lines('none'), []);
  });

  test('redact masks fields in the log line only; maxChars cuts long text', async () => {
    const s = await rig.session([builtin('tap', { label: 'masked', redact: ['**.idTag'], maxChars: 36 })]);
    const msg = '[2,"1","Authorize",{"idTag":"SECRET-TAG"}]';
    assert.deepEqual(await s.passed('fromClient', msg, 'x'.repeat(40)), [msg, 'x'.repeat(40)]);
    assert.deepEqual(lines('masked'), [
      `masked client → backend ${s.info.id} text: [2,"1","Authorize",{"idTag":"***"}]`,
      `masked client → backend ${s.info.id} text: ${'x'.repeat(36)}… (40 chars)`,
    ]);
    assert.ok(!rig.valveLogs('tap').some((l) => l.includes('SECRET-TAG')));
  });

  test('direction fromBackend logs only backend messages', async () => {
    const s = await rig.session([builtin('tap', { label: 'back', direction: 'fromBackend' })]);
    await s.send('fromClient', 'up');
    await s.send('fromBackend', 'down');
    assert.deepEqual(lines('back'), [`back backend → client ${s.info.id} text: down`]);
  });

  test('a bad with: is rejected when the pipeline loads, naming the key', async () => {
    const text = (await rig.buildErrors(builtin('tap', { sample: 2, maxChars: 0, redact: 'x' }))).join('\n');
    assert.match(text, /with\.sample must be <= 1/);
    assert.match(text, /with\.maxChars must be >= 1/);
    assert.match(text, /with\.redact must be array/);
  });
});
