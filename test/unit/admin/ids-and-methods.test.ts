import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminHarness, post, startAdmin } from './harness.ts';

const NOT_FOUND = '{"result":"failed","reason":"NotFound"}';
const ONLY_POST = '{"result":"failed","reason":"OnlyPostAllowed"}';
const NO_SUCH = '{"result":"failed","reason":"NoSuchEndpoint"}';

const ACTIONS = [
  '/backend/add',
  '/backend/disable/a',
  '/backend/enable/a',
  '/backend/failover/a',
  '/backend/reset/a',
  '/backend/delete/a',
  '/session/abort/s1',
  '/session/failover/s1',
  '/frontend/pause/127-0-0-1-8080',
  '/frontend/resume/127-0-0-1-8080',
  '/pipeline/reload',
];
const READS = [
  '/backend/list',
  '/backend/config/a',
  '/session/list',
  '/frontend/list',
  '/pipeline',
  '/metrics',
  '/healthz',
  '/readyz',
];

describe('admin methods, ids and paths', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin();
  });
  after(() => h.close());

  test('an action called with GET, PUT or DELETE is 400 OnlyPostAllowed with Allow: POST and does nothing', async () => {
    const calls = h.bus.calls.length;
    for (const path of ACTIONS) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const r = await h.send({ method, path });
        assert.equal(r.status, 400, `${method} ${path}`);
        assert.equal(r.text, ONLY_POST, `${method} ${path}`);
        assert.equal(r.headers.allow, 'POST');
        assert.equal(r.headers['content-type'], 'application/json');
      }
    }
    assert.equal(h.bus.calls.length, calls, 'no action reached the bus');
  });

  test('list, config and status endpoints answer GET and HEAD, and 405 with Allow to other methods', async () => {
    for (const path of READS) {
      assert.equal((await h.send({ path })).status, 200, `GET ${path}`);
      const head = await h.send({ method: 'HEAD', path });
      assert.equal(head.status, 200, `HEAD ${path}`);
      assert.equal(head.text, '');
      const r = await h.send({ method: 'POST', path });
      assert.equal(r.status, 405, `POST ${path}`);
      assert.equal(r.headers.allow, 'GET, HEAD');
      assert.deepEqual(r.json, { result: 'failed', reason: 'MethodNotAllowed' });
    }
  });

  test('unmatched paths are 404 NoSuchEndpoint as JSON, for any method', async () => {
    for (const path of [
      '/',
      '/backend/list/',
      '/backend/disable',
      '/nope',
      '//backend/list',
      '/backend/LIST',
    ]) {
      for (const method of ['GET', 'POST']) {
        const r = await h.send({ method, path });
        assert.equal(r.status, 404, `${method} ${path}`);
        assert.equal(r.text, NO_SUCH);
        assert.equal(r.headers['content-type'], 'application/json');
      }
    }
  });

  test('ids are URL-decoded before they reach the bus', async () => {
    h.bus.calls.length = 0;
    await post(h, '/backend/disable/a%20b%2Fc%3Fd');
    await post(h, '/session/abort/%E2%9C%93');
    assert.deepEqual(h.bus.calls, ['disableBackend:a b/c?d', 'abortSession:✓']);
  });

  test('the query string is not part of the id', async () => {
    const config = await h.send({ path: '/backend/config/a?y=1' });
    assert.equal(config.status, 200);
    assert.equal((config.json as { id: string }).id, 'a');
    h.bus.calls.length = 0;
    const r = await post(h, '/backend/failover/b?force=1');
    assert.equal(r.text, '{"result":"success","reason":"NoActionRequired"}');
    assert.deepEqual(h.bus.calls, ['failoverBackend:b']);
  });

  test('an empty id is 404 NotFound for every id endpoint (wsbalancer panicked)', async () => {
    for (const path of ACTIONS.filter((p) => p.split('/').length === 4)) {
      const r = await post(h, path.slice(0, path.lastIndexOf('/') + 1));
      assert.equal(r.status, 404, path);
      assert.equal(r.text, NOT_FOUND);
    }
    const config = await h.send({ path: '/backend/config/' });
    assert.equal(config.status, 404);
    assert.equal(config.text, NOT_FOUND);
  });

  test('hostile ids (quotes, encoded slashes, .., %00, 10 KB) give 404 JSON, never 500', async () => {
    const ids = [
      'a"b',
      "a'b",
      'a%22%7D%5D',
      '%2F..%2F..%2Fetc%2Fpasswd',
      '..',
      '../a',
      '%00',
      'a%00b',
      'x'.repeat(10_240),
    ];
    for (const id of ids) {
      for (const path of [`/backend/config/${id}`, `/backend/delete/${id}`, `/session/abort/${id}`]) {
        const r = await h.send({ method: path.includes('config') ? 'GET' : 'POST', path });
        assert.equal(r.status, 404, `${path.slice(0, 60)}`);
        assert.equal(r.text, NOT_FOUND);
      }
    }
    assert.equal(h.bus.backends.size, 2, 'nothing was deleted');
  });

  test('a malformed percent escape in an id is 400 BadId', async () => {
    for (const path of ['/backend/disable/%zz', '/session/abort/%E0%A4%A', '/backend/config/%']) {
      const r = await h.send({ method: path.includes('config') ? 'GET' : 'POST', path });
      assert.equal(r.status, 400, path);
      assert.equal(r.text, '{"result":"failed","reason":"BadId"}');
    }
  });

  test('ids and URLs with quotes stay well-formed JSON in lists and config', async () => {
    const add = await post(
      h,
      '/backend/add',
      JSON.stringify({ id: 'q"\\</x>', url: 'ws://127.0.0.1:1/"x"' }),
    );
    assert.equal(add.text, '{"result":"success"}');
    const list = await h.send({ path: '/backend/list' });
    const ids = (JSON.parse(list.text) as Array<{ id: string }>).map((b) => b.id);
    assert.ok(ids.includes('q"\\</x>'));
    const config = await h.send({ path: `/backend/config/${encodeURIComponent('q"\\</x>')}` });
    assert.equal((JSON.parse(config.text) as { url: string }).url, 'ws://127.0.0.1:1/"x"');
    assert.equal(
      (await post(h, `/backend/delete/${encodeURIComponent('q"\\</x>')}`)).text,
      '{"result":"success"}',
    );
  });

  test('a bus that throws gives 500 with the message as JSON, and the server keeps serving', async () => {
    h.bus.throwIn = 'disableBackend';
    try {
      const r = await post(h, '/backend/disable/a');
      assert.equal(r.status, 500);
      assert.equal(
        r.text,
        '{"result":"failed","reason":"InternalError: boom in disableBackend \\"quoted\\""}',
      );
    } finally {
      h.bus.throwIn = undefined;
    }
    assert.equal((await h.send({ path: '/backend/list' })).status, 200);
  });

  test('a bus that returns no outcome gives 500 JSON', async () => {
    const original = h.bus.enableBackend;
    h.bus.enableBackend = () => undefined as never;
    try {
      const r = await post(h, '/backend/enable/a');
      assert.equal(r.status, 500);
      assert.match(
        (r.json as { reason: string }).reason,
        /^InternalError: the control bus returned an unknown outcome/,
      );
    } finally {
      h.bus.enableBackend = original;
    }
  });
});
