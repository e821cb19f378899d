import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { builtin, Rig } from './helpers.ts';

describe('redact', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start();
  });
  after(() => rig.stop());

  test('masks fields by path: keys, nested keys, every array element', async () => {
    const s = await rig.session([builtin('redact', { paths: ['idTag', 'user.password', 'items[*].card'] })]);
    const [out] = await s.passed(
      'fromClient',
      JSON.stringify({
        idTag: 'T1',
        user: { name: 'ann', password: 'pw' },
        items: [{ card: '4111' }, { card: 5 }, {}],
      }),
    );
    assert.deepEqual(JSON.parse(out), {
      idTag: '***',
      user: { name: 'ann', password: '***' },
      items: [{ card: '***' }, { card: '***' }, {}],
    });
  });

  test('** finds a field at any depth (an OCPP idTag in a call payload), [n] addresses array elements', async () => {
    const s = await rig.session([builtin('redact', { paths: ['**.idTag', '[1]'] })]);
    const [out] = await s.passed('fromClient', '[2,"42","Authorize",{"idTag":"ABC","inner":{"idTag":"D"}}]');
    assert.deepEqual(JSON.parse(out), [2, '***', 'Authorize', { idTag: '***', inner: { idTag: '***' } }]);
  });

  test('mask may be any JSON value', async () => {
    const s = await rig.session([builtin('redact', { paths: ['secret'], mask: null })]);
    assert.deepEqual(await s.passed('fromClient', '{"secret":{"a":1},"b":2}'), ['{"secret":null,"b":2}']);
  });

  test('non-JSON, binary and messages without the fields pass unchanged (byte for byte)', async () => {
    const s = await rig.session([builtin('redact', { paths: ['password'] })]);
    const untouched = ['hello {password}', '{ "user" : 1 }', '{"password"', '"password"'];
    const results = await s.send('fromClient', ...untouched, new Uint8Array([1, 2]));
    assert.deepEqual(
      results.map((r) => r.forward),
      [...untouched.map((m) => [m]), ['bin:1,2']],
    );
    // a key written with an escape is still found
    assert.deepEqual(await s.passed('fromClient', '{"pass\\u0077ord":"pw"}'), ['{"password":"***"}']);
  });

  test('direction limits masking to one direction (default both)', async () => {
    const both = await rig.session([builtin('redact', { paths: ['k'] })]);
    assert.deepEqual(await both.passed('fromBackend', '{"k":1}'), ['{"k":"***"}']);
    const one = await rig.session([builtin('redact', { paths: ['k'], direction: 'fromBackend' })]);
    assert.deepEqual(await one.passed('fromClient', '{"k":1}'), ['{"k":1}']);
    assert.deepEqual(await one.passed('fromBackend', '{"k":1}'), ['{"k":"***"}']);
  });

  test('a bad with: is rejected when the pipeline loads, naming the key', async () => {
    const missing = (await rig.buildErrors(builtin('redact', {}))).join('\n');
    assert.match(missing, /with\.paths is required/);
    const bad = (await rig.buildErrors(builtin('redact', { paths: ['a..b'], maks: 'x' }))).join('\n');
    assert.match(bad, /with\.paths\[0\] must match pattern/);
    assert.match(bad, /with\.maks is not an option of this valve \(did you mean mask\?\)/);
  });
});
