import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ValveHost } from '../../../runtime/sandbox/valve-host.ts';
import { entry, forwarded, info, RecordingSession, startHost, text } from './helpers.ts';

describe('ctx.state and ctx.options', () => {
  let host: ValveHost;
  before(async () => {
    ({ host } = await startHost());
  });
  after(() => host.stop());

  test('ctx.state is per session and persists across messages', async () => {
    const r = await host.build([entry('counter.js')]);
    assert.ok(r.ok);
    const a = new RecordingSession('a');
    const b = new RecordingSession('b');
    const pa = r.version.selector().select(info('a'));
    const pb = r.version.selector().select(info('b'));
    pa.open(a, info('a'));
    pb.open(b, info('b'));
    pa.push(a, 'fromClient', text('x'));
    pa.push(a, 'fromClient', text('y'));
    pb.push(b, 'fromClient', text('z'));
    await a.waitFor(2);
    await b.waitFor(1);
    assert.deepEqual(
      a.results.map((x) => forwarded(x.outcome)[0]),
      ['1:x', '2:y'],
    );
    assert.deepEqual(forwarded(b.results[0].outcome), ['1:z']);
  });

  test('ctx.state survives a hot reload to a new version (adopt), in order', async () => {
    const v1 = await host.build([entry('counter.js', { valve: 'counter' })]);
    assert.ok(v1.ok);
    const s = new RecordingSession('swap');
    const p1 = v1.version.selector().select(info('swap'));
    p1.open(s, info('swap'));
    p1.push(s, 'fromClient', text('a'));
    p1.push(s, 'fromClient', text('b'));
    // the new version is a different file with the same `valve:` name: the state is carried
    const v2 = await host.build([{ ...entry('counter-v2.js'), valve: 'counter' }]);
    assert.ok(v2.ok);
    const p2 = v2.version.adopt(s, p1, info('swap'));
    p2.push(s, 'fromClient', text('c'));
    host.retire(v1.version);
    await s.waitFor(3);
    assert.deepEqual(
      s.results.map((x) => forwarded(x.outcome)[0]),
      ['1:a', '2:b', 'v2 3:c'],
    );
    // no session is left on v1, so retiring it disposed it
    assert.equal(host.status().liveVersions.includes(v1.version.id), false);
  });

  test('ctx.options holds the with: values with the schema defaults filled in', async () => {
    const r = await host.build([entry('options.js', { with: { maxBytes: 10 } })]);
    assert.ok(r.ok);
    const s = new RecordingSession('opt');
    const p = r.version.selector().select(info('opt'));
    p.open(s, info('opt'));
    p.push(s, 'fromClient', text('?'));
    await s.waitFor(1);
    assert.deepEqual(JSON.parse(forwarded(s.results[0].outcome)[0]), { maxBytes: 10, mode: 'drop' });
  });

  test('an invalid with: is rejected with a message naming the key', async () => {
    const r = await host.build([entry('options.js', { with: { maxBytes: 'big', mdoe: 'x' } })]);
    assert.equal(r.ok, false);
    const messages = !r.ok ? r.errors.map((e) => e.message).join('\n') : '';
    assert.match(messages, /with\.maxBytes must be integer/);
    assert.match(messages, /with\.mdoe is not an option of this valve \(did you mean mode\?\)/);
    assert.ok(!r.ok && r.errors.every((e) => e.file.endsWith('options.js') && e.line >= 1));
  });
});
