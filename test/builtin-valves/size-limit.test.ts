import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { builtin, Rig } from './helpers.ts';

describe('size-limit', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start();
  });
  after(() => rig.stop());

  test('messages up to maxBytes pass, larger ones are dropped, in both directions by default', async () => {
    const s = await rig.session([builtin('size-limit', { maxBytes: 5 })]);
    assert.deepEqual(await s.passed('fromClient', '12345', '123456', ''), ['12345', '']);
    assert.deepEqual(await s.passed('fromBackend', '12345', '123456'), ['12345']);
  });

  test('text is measured in UTF-8 bytes, binary in bytes', async () => {
    const s = await rig.session([builtin('size-limit', { maxBytes: 4 })]);
    // é is 2 bytes, € 3, 😀 (a surrogate pair) 4
    assert.deepEqual(await s.passed('fromClient', 'éé', 'ééa', '€a', '€éa', '😀', '😀a'), ['éé', '€a', '😀']);
    assert.deepEqual(await s.passed('fromClient', new Uint8Array(4), new Uint8Array(5)), ['bin:0,0,0,0']);
  });

  test('the default limit is 64 KiB', async () => {
    const s = await rig.session([builtin('size-limit')]);
    const fits = 'x'.repeat(65536);
    const seen = await s.send('fromClient', fits, `${fits}x`);
    assert.equal(seen[0].forward[0]?.length, 65536);
    assert.deepEqual(seen[1].forward, []);
  });

  test('fromClient / fromBackend override maxBytes per direction', async () => {
    const s = await rig.session([builtin('size-limit', { maxBytes: 2, fromClient: 4, fromBackend: 1 })]);
    assert.deepEqual(await s.passed('fromClient', '1234', '12345'), ['1234']);
    assert.deepEqual(await s.passed('fromBackend', '1', '12'), ['1']);
  });

  test('direction limits only one direction', async () => {
    const s = await rig.session([builtin('size-limit', { maxBytes: 1, direction: 'fromBackend' })]);
    assert.deepEqual(await s.passed('fromClient', 'long from the client'), ['long from the client']);
    assert.deepEqual(await s.passed('fromBackend', 'long from the backend'), []);
  });

  test('action close drops the message and closes the session with 1009', async () => {
    const s = await rig.session([builtin('size-limit', { maxBytes: 3, action: 'close' })]);
    const [ok, big] = await s.send('fromClient', 'abc', 'abcd');
    assert.equal(ok.close, undefined);
    assert.deepEqual(big.forward, []);
    assert.deepEqual(big.close, { code: 1009, reason: 'message larger than 3 bytes' });
  });

  test('a bad with: is rejected when the pipeline loads, naming the key', async () => {
    const errors = await rig.buildErrors(
      builtin('size-limit', { maxBytes: -1, action: 'explode', maxbytes: 3 }),
    );
    const text = errors.join('\n');
    assert.match(text, /with\.maxBytes must be >= 0/);
    assert.match(text, /with\.action must be one of "drop", "close"/);
    assert.match(text, /with\.maxbytes is not an option of this valve \(did you mean maxBytes\?\)/);
  });
});
