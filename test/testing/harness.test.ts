// PipelineHarness from a user's node:test: each call is one step, answered with what reached each
// side; the valves run in a real valve host on a virtual clock.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  PipelineHarness,
  PipelineLoadError,
  runPipelineTests,
  TestHost,
} from '../../runtime/testing/index.ts';
import { FIXTURES } from './helpers.ts';

const VALVES = join(FIXTURES, 'valves');

describe('PipelineHarness', () => {
  let host: TestHost;
  before(async () => {
    host = await TestHost.start();
  });
  after(() => host.stop());

  test('fromClient / fromBackend report what reached each side, dropped and closed', async (t) => {
    const h = await PipelineHarness.start({
      pipeline: [{ valve: './shout.js', with: { suffix: '?' } }],
      baseDir: VALVES,
      host,
    });
    t.after(() => h.stop());
    const r = await h.fromClient('hi');
    assert.deepEqual(r, {
      toBackend: ['HI?'],
      toClient: [],
      dropped: false,
      closed: false,
      logs: [{ level: 'info', valve: './shout.js', message: 'shouting hi' }],
    });
    assert.deepEqual((await h.fromBackend(Buffer.from([1, 2]))).toClient, [Buffer.from([1, 2])]);
    const ping = await h.fromClient('ping');
    assert.deepEqual([ping.toClient, ping.toBackend, ping.dropped], [['pong'], [], true]);
    const bye = await h.fromClient('bye');
    assert.deepEqual(bye.closed, { code: 4000, reason: 'bye' });
    // after a valve closed the session nothing more goes through
    assert.deepEqual((await h.fromClient('late')).toBackend, []);
  });

  test('open() starts a fresh session with the given ctx.session; the clock starts at 0 again', async (t) => {
    const h = await PipelineHarness.start({ pipeline: [{ valve: './pacer.js' }], baseDir: VALVES, host });
    t.after(() => h.stop());
    await h.advance('2s');
    assert.deepEqual((await h.fromClient('a')).toBackend, ['a@2000']);
    await h.open({ path: '/other' });
    assert.equal(h.clock.now(), 0);
    assert.deepEqual((await h.fromClient('b')).toBackend, ['b@0']);
    const held = await h.fromClient('later:c');
    assert.deepEqual([held.toBackend, held.dropped], [[], false]);
    assert.deepEqual((await h.advance(1000)).toBackend, ['c']);
  });

  test('failover() runs the failover hooks with the new backend; state carries over', async (t) => {
    const h = await PipelineHarness.start({ pipeline: [{ valve: './resume.js' }], baseDir: VALVES, host });
    t.after(() => h.stop());
    await h.fromClient('sub 1');
    const r = await h.failover({ id: 'b2', url: 'ws://127.0.0.1:9002' });
    assert.deepEqual(r.toBackend, ['resume on b2', 'sub 1']);
  });

  test('a config file: its pipeline, and its first backend as the default ctx.session.backend', async (t) => {
    const h = await PipelineHarness.start({ config: join(FIXTURES, 'session/sluice.yaml'), host });
    t.after(() => h.stop());
    const [who] = (await h.fromClient('who')).toClient;
    assert.deepEqual(JSON.parse(who as string).backend, { id: 'primary', url: 'ws://127.0.0.1:9301' });
  });

  test('a pipeline that does not load throws PipelineLoadError naming file:line:col', async () => {
    await assert.rejects(
      PipelineHarness.start({ pipeline: [{ valve: './nope.js' }], baseDir: VALVES, host }),
      (e: unknown) => e instanceof PipelineLoadError && /valve file not found: .*nope\.js/.test(e.message),
    );
    await assert.rejects(
      PipelineHarness.start({
        pipeline: [{ valve: './shout.js', with: { suffix: 1 } }],
        baseDir: VALVES,
        host,
      }),
      (e: unknown) => e instanceof PipelineLoadError && /shout\.js:\d+:\d+ .*suffix/.test(e.message),
    );
  });

  test('runPipelineTests runs files from code and returns the counts', async () => {
    const out: string[] = [];
    const summary = await runPipelineTests([join(FIXTURES, 'failing/shout.test.yaml')], {
      write: (l) => out.push(l),
      cwd: FIXTURES,
    });
    assert.deepEqual([summary.passed, summary.failed], [1, 1]);
    assert.equal(out.at(-1), '1 passed, 1 failed');
    assert.deepEqual(
      summary.cases.map((c) => [c.name, c.passed]),
      [
        ['upper-cases', true],
        ['expects the wrong text', false],
      ],
    );
  });
});
