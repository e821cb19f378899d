import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { builtin, Rig } from './helpers.ts';

describe('transform', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start();
  });
  after(() => rig.stop());

  async function one(withValue: Record<string, unknown>, message: unknown): Promise<unknown> {
    const s = await rig.session([builtin('transform', withValue)]);
    const [out] = await s.passed('fromClient', JSON.stringify(message));
    return JSON.parse(out);
  }

  test('set adds or replaces fields, creating missing objects on the way', async () => {
    assert.deepEqual(await one({ set: { 'meta.via': 'sluice', v: 2, tags: ['a'] } }, { v: 1 }), {
      v: 2,
      meta: { via: 'sluice' },
      tags: ['a'],
    });
  });

  test('set with a wildcard sets the field in every existing element; object values can be filled in', async () => {
    assert.deepEqual(
      await one({ set: { 'items[*].seen': true, meta: {}, 'meta.n': 1 } }, { items: [{}, { a: 1 }] }),
      {
        items: [{ seen: true }, { a: 1, seen: true }],
        meta: { n: 1 },
      },
    );
  });

  test('delete removes fields and array elements', async () => {
    assert.deepEqual(
      await one(
        { delete: ['debug', 'user.token', 'list[0]', '**.secret'] },
        {
          debug: 1,
          user: { id: 1, token: 't' },
          list: ['x', 'y'],
          deep: { a: { secret: 1, b: 2 } },
        },
      ),
      { user: { id: 1 }, list: ['y'], deep: { a: { b: 2 } } },
    );
  });

  test('rename moves a field to another path', async () => {
    assert.deepEqual(
      await one({ rename: { user_id: 'user.id', 'old.name': 'name' } }, { user_id: 7, old: { name: 'n' } }),
      {
        old: {},
        user: { id: 7 },
        name: 'n',
      },
    );
  });

  test('rename runs before delete, delete before set', async () => {
    assert.deepEqual(await one({ rename: { a: 'b' }, delete: ['b'], set: { b: 'new' } }, { a: 'old' }), {
      b: 'new',
    });
  });

  test('non-JSON, binary and JSON scalars pass unchanged; so does JSON nothing applies to', async () => {
    const s = await rig.session([builtin('transform', { delete: ['x'], rename: { y: 'z' } })]);
    const same = ['plain', '"string"', '42', '{ "a" : 1 }'];
    assert.deepEqual(await s.passed('fromClient', ...same, new Uint8Array([9])), [...same, 'bin:9']);
  });

  test('direction: fromClient by default; fromBackend or both on request', async () => {
    const s = await rig.session([builtin('transform', { set: { t: 1 } })]);
    assert.deepEqual(await s.passed('fromBackend', '{}'), ['{}']);
    const both = await rig.session([builtin('transform', { set: { t: 1 }, direction: 'both' })]);
    assert.deepEqual(await both.passed('fromBackend', '{}'), ['{"t":1}']);
    assert.deepEqual(await both.passed('fromClient', '{}'), ['{"t":1}']);
  });

  test('a bad with: is rejected when the pipeline loads, naming the key', async () => {
    const none = (await rig.buildErrors(builtin('transform', { direction: 'both' }))).join('\n');
    assert.match(none, /with\.rename is required/);
    const wild = (await rig.buildErrors(builtin('transform', { rename: { 'a[*]': 'b' } }))).join('\n');
    assert.match(wild, /with\.rename property name must be valid/);
    const del = (await rig.buildErrors(builtin('transform', { delete: 'x' }))).join('\n');
    assert.match(del, /with\.delete must be array/);
  });
});
