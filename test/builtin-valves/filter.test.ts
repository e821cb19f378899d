import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { builtin, Rig } from './helpers.ts';

describe('filter', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start();
  });
  after(() => rig.stop());

  test('allow: only messages a pattern matches pass', async () => {
    const s = await rig.session([builtin('filter', { allow: ['^ping$', '^\\{'] })]);
    assert.deepEqual(await s.passed('fromClient', 'ping', 'pong', '{"a":1}', 'PING'), ['ping', '{"a":1}']);
  });

  test('deny: messages a pattern matches are rejected; flags apply to every pattern', async () => {
    const s = await rig.session([builtin('filter', { deny: ['drop table', 'rm -rf'], flags: 'i' })]);
    assert.deepEqual(await s.passed('fromClient', 'select 1', 'DROP TABLE x', 'sudo rm -rf /'), ['select 1']);
  });

  test('field + values: only messages whose JSON field has one of the values pass', async () => {
    const s = await rig.session([builtin('filter', { field: 'type', values: ['chat', 7, null] })]);
    assert.deepEqual(
      await s.passed(
        'fromClient',
        '{"type":"chat"}',
        '{"type":"admin"}',
        '{"type":7}',
        '{"type":null}',
        '{}',
        'chat',
      ),
      ['{"type":"chat"}', '{"type":7}', '{"type":null}'],
    );
  });

  test('field + denyValues: messages whose field has one of them are rejected, others (and non-JSON) pass', async () => {
    const s = await rig.session([
      builtin('filter', { field: '[2]', denyValues: ['Reset', 'UpdateFirmware'] }),
    ]);
    assert.deepEqual(await s.passed('fromClient', '[2,"1","Reset",{}]', '[2,"2","Heartbeat",{}]', 'text'), [
      '[2,"2","Heartbeat",{}]',
      'text',
    ]);
  });

  test('rules combine: a message must pass all of them; binary matches no pattern', async () => {
    const s = await rig.session([
      builtin('filter', { allow: ['^\\{'], deny: ['secret'], field: 'v', values: [1] }),
    ]);
    assert.deepEqual(
      await s.passed('fromClient', '{"v":1}', '{"v":2}', '{"v":1,"secret":1}', new Uint8Array([123])),
      ['{"v":1}'],
    );
    const denyOnly = await rig.session([builtin('filter', { deny: ['x'] })]);
    assert.deepEqual(await denyOnly.passed('fromClient', new Uint8Array([120])), ['bin:120']);
  });

  test('action close drops the message and closes the session with 1008', async () => {
    const s = await rig.session([builtin('filter', { deny: ['bad'], action: 'close' })]);
    const [ok, bad] = await s.send('fromClient', 'good', 'bad');
    assert.equal(ok.close, undefined);
    assert.deepEqual(bad.forward, []);
    assert.deepEqual(bad.close, { code: 1008, reason: 'message rejected by filter' });
  });

  test('direction: fromClient by default; fromBackend filters the other way', async () => {
    const s = await rig.session([builtin('filter', { deny: ['x'] })]);
    assert.deepEqual(await s.passed('fromBackend', 'x'), ['x']);
    const back = await rig.session([builtin('filter', { deny: ['x'], direction: 'fromBackend' })]);
    assert.deepEqual(await back.passed('fromBackend', 'x', 'y'), ['y']);
    assert.deepEqual(await back.passed('fromClient', 'x'), ['x']);
  });

  test('a bad with: is rejected when the pipeline loads, naming the key', async () => {
    const none = (await rig.buildErrors(builtin('filter', {}))).join('\n');
    assert.match(none, /with\.allow is required/);
    const regex = (await rig.buildErrors(builtin('filter', { deny: ['(unclosed'] }))).join('\n');
    assert.match(regex, /with\.deny\[0\] must match format "regex"/);
    const noField = (await rig.buildErrors(builtin('filter', { values: ['a'] }))).join('\n');
    assert.match(noField, /with must have property field when property values is present/);
    const flags = (await rig.buildErrors(builtin('filter', { deny: ['a'], flags: 'g' }))).join('\n');
    assert.match(flags, /with\.flags must match pattern/);
  });
});
