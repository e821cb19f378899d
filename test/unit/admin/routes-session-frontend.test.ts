import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminHarness, post, startAdmin } from './harness.ts';

const SUCCESS = '{"result":"success"}';
const NO_ACTION = '{"result":"success","reason":"NoActionRequired"}';
const NOT_FOUND = '{"result":"failed","reason":"NotFound"}';

describe('admin /session and /frontend endpoints', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin();
  });
  after(() => h.close());

  test('GET /session/list returns wsbalancer entries with the uri escaped as JSON', async () => {
    const r = await h.send({ path: '/session/list' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(
      r.text,
      '[{"id":"s1","uri":"/echo?q=\\"1\\"","backendId":"a","reconnects":0,"msgsReceived":2,"msgsSent":3}]',
    );
  });

  test('session failover: success on a live session, NotFound for an unknown one', async () => {
    const r = await post(h, '/session/failover/s1');
    assert.equal(r.status, 200);
    assert.equal(r.text, SUCCESS);
    assert.equal(h.bus.sessions.get('s1')?.reconnects, 1);
    const unknown = await post(h, '/session/failover/nope');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.text, NOT_FOUND);
  });

  test('session abort: success, then NotFound since session ids are never reused', async () => {
    const r = await post(h, '/session/abort/s1');
    assert.equal(r.status, 200);
    assert.equal(r.text, SUCCESS);
    const again = await post(h, '/session/abort/s1');
    assert.equal(again.status, 404);
    assert.equal(again.text, NOT_FOUND);
    assert.equal((await h.send({ path: '/session/list' })).text, '[]');
  });

  test('GET /frontend/list returns the frontend ids', async () => {
    const r = await h.send({ path: '/frontend/list' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '[{"id":"127-0-0-1-8080"}]');
  });

  test('pause and resume: success, then NoActionRequired, unknown id NotFound', async () => {
    const id = '127-0-0-1-8080';
    assert.equal((await post(h, `/frontend/pause/${id}`)).text, SUCCESS);
    assert.equal(h.bus.frontend.paused, true);
    assert.equal((await post(h, `/frontend/pause/${id}`)).text, NO_ACTION);
    assert.equal((await post(h, `/frontend/resume/${id}`)).text, SUCCESS);
    assert.equal(h.bus.frontend.paused, false);
    assert.equal((await post(h, `/frontend/resume/${id}`)).text, NO_ACTION);
    for (const action of ['pause', 'resume']) {
      const unknown = await post(h, `/frontend/${action}/other`);
      assert.equal(unknown.status, 404);
      assert.equal(unknown.text, NOT_FOUND);
    }
  });
});
