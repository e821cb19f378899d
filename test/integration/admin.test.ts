// The admin API against a live balancer (WSBALANCER.md §3 and §7 admin/*), with CONTRACT.md §5's
// fixes: unknown ids are 404 NotFound for every action, wrong methods get Allow: POST.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NO_ACTION, NOT_FOUND, SUCCESS } from '../helpers/admin.ts';
import { connectStatus, type TestClient } from '../helpers/client.ts';
import { backendOfOnlySession, type Harness, harness } from '../helpers/harness.ts';
import { waitUntil } from '../helpers/wait.ts';

/** Connects a client and finds its backend by the totalConnections change (as the Go suite did). */
async function connectAndFind(h: Harness): Promise<{ client: TestClient; id: string }> {
  const before = await h.admin.backends();
  const client = await h.connect();
  const after = await h.admin.backends();
  const grown = after.filter(
    (b) => b.totalConnections > (before.find((x) => x.id === b.id)?.totalConnections ?? 0),
  );
  assert.equal(grown.length, 1);
  return { client, id: grown[0].id };
}

test('admin/backend-list: every configured backend with wsbalancer fields, counting sessions', async (t) => {
  const h = await harness(t, { backends: 2 });
  const list = await h.admin.backends();
  assert.deepEqual(
    list.map((b) => b.id).sort(),
    h.backends.map((b) => b.id).sort(),
    'ids default to the normalized host and port',
  );
  for (const b of list) {
    assert.deepEqual(Object.keys(b).sort(), [
      'activeConnections',
      'enabled',
      'id',
      'totalConnections',
      'totalFailures',
      'tripped',
      'url',
    ]);
    assert.equal(b.enabled, true);
    assert.equal(b.activeConnections, 0);
  }
  const c = await h.connect();
  const id = (await h.admin.sessions())[0].backendId;
  const entry = await h.admin.backend(id);
  assert.equal(entry.activeConnections, 1);
  assert.equal(entry.totalConnections, 1);
  await c.close();
  await waitUntil(
    async () => (await h.admin.backend(id)).activeConnections === 0,
    'activeConnections back to 0',
  );
});

test('admin/backend-disable-enable-all: existing sessions go on, new ones get 502 until enabled', async (t) => {
  const h = await harness(t, { backends: 2 });
  const c = await h.connect();
  for (const b of h.backends) {
    assert.deepEqual(await h.admin.action(`/backend/disable/${b.id}`), SUCCESS);
    assert.deepEqual(await h.admin.action(`/backend/disable/${b.id}`), NO_ACTION);
  }
  for (const b of await h.admin.backends()) assert.equal(b.enabled, false);
  await c.echo('still served');
  assert.equal(await connectStatus(`${h.sluice.url}/`), 502);
  for (const b of h.backends) {
    assert.deepEqual(await h.admin.action(`/backend/enable/${b.id}`), SUCCESS);
    assert.deepEqual(await h.admin.action(`/backend/enable/${b.id}`), NO_ACTION);
  }
  await (await h.connect()).echo('new session');
});

for (const n of [1, 2, 4]) {
  describe(`admin with ${n} backend(s)`, () => {
    test('admin/backend-failover: every backend failed over, the session keeps echoing', async (t) => {
      const h = await harness(t, { backends: n });
      const c = await h.connect();
      await c.echo('before');
      for (const b of h.backends) {
        const r = await h.admin.action(`/backend/failover/${b.id}`);
        assert.equal(r.status, 200);
        assert.equal(r.result, 'success');
      }
      await waitUntil(async () => (await h.admin.sessions())[0]?.reconnects >= 1, 'a reconnect');
      await c.echo('after');
      assert.ok(
        h.backends.some((b) => b.handshakes.some((hs) => hs.headers['x-balancer-reconnect'] === '1')),
        'some backend saw X-Balancer-Reconnect: 1',
      );
      assert.equal(c.closed, undefined);
    });

    test('admin/backend-delete-add-one: delete moves or ends sessions; re-adding round-trips the config', async (t) => {
      const h = await harness(t, { backends: n, upstream: { 'failover-timeout': '300ms' } });
      const { client: c, id } = await connectAndFind(h);
      const saved = await h.admin.config(id);
      assert.deepEqual(await h.admin.action(`/backend/delete/${id}`), SUCCESS);
      assert.deepEqual(await h.admin.action(`/backend/delete/${id}`), NOT_FOUND);
      assert.equal((await h.admin.backends()).length, n - 1);
      if (n === 1) {
        assert.equal((await c.waitClose(3000)).code, 1013, 'no backend left: try again later');
        assert.equal(await connectStatus(`${h.sluice.url}/`), 502);
      } else {
        await c.echo('moved');
        assert.equal(
          (await h.admin.sessions()).find((s) => s.backendId === id),
          undefined,
          'none left on it',
        );
      }
      assert.deepEqual(await h.admin.action('/backend/add', saved), SUCCESS);
      assert.equal((await h.admin.backends()).length, n);
      assert.deepEqual(await h.admin.config(id), saved);
    });

    test('admin/backend-disable-delete-one: a disabled backend can be deleted and re-added', async (t) => {
      const h = await harness(t, { backends: n, upstream: { 'failover-timeout': '300ms' } });
      const id = h.backends[0].id;
      const saved = await h.admin.config(id);
      assert.deepEqual(await h.admin.action(`/backend/disable/${id}`), SUCCESS);
      assert.deepEqual(await h.admin.action(`/backend/delete/${id}`), SUCCESS);
      assert.deepEqual(await h.admin.action(`/backend/delete/${id}`), NOT_FOUND);
      assert.equal((await h.admin.backends()).length, n - 1);
      assert.deepEqual(await h.admin.action('/backend/add', saved), SUCCESS);
      assert.deepEqual(await h.admin.config(id), saved);
      await (await h.connect()).echo('works');
    });
  });
}

test('admin/session-list: two sessions, with uri, backend and message counts', async (t) => {
  const h = await harness(t, { backends: 2 });
  const a = await h.connect('/echo?q=1');
  const b = await h.connect('/echo?q=1');
  await a.echo('one');
  const list = await h.admin.sessions();
  assert.equal(list.length, 2);
  assert.notEqual(list[0].id, list[1].id);
  const ids = h.backends.map((x) => x.id);
  for (const s of list) {
    assert.equal(s.uri, '/echo?q=1');
    assert.ok(ids.includes(s.backendId));
    assert.equal(s.reconnects, 0);
  }
  assert.deepEqual(list.map((s) => s.msgsReceived).sort(), [0, 1]);
  assert.deepEqual(list.map((s) => s.msgsSent).sort(), [0, 1]);
  await b.close();
  await waitUntil(async () => (await h.admin.sessions()).length === 1, 'one session left');
});

test('admin/session-abort: success closes the client with 1000; then the id is unknown (404)', async (t) => {
  const h = await harness(t);
  const c = await h.connect();
  const [s] = await h.admin.sessions();
  assert.deepEqual(await h.admin.action(`/session/abort/${s.id}`), SUCCESS);
  assert.equal((await c.waitClose(3000)).code, 1000);
  const again = await h.admin.action(`/session/abort/${s.id}`);
  assert.ok(again.status === 404 || again.reason === 'NoActionRequired', JSON.stringify(again));
  await waitUntil(async () => (await h.admin.sessions()).length === 0, 'the session gone');
  assert.deepEqual(await h.admin.action(`/session/abort/${s.id}`), NOT_FOUND);
  await (await h.connect()).echo('new session works');
});

test('admin/session-failover: the session moves, keeps echoing and the reconnect is marked', async (t) => {
  const h = await harness(t, { backends: 2 });
  const c = await h.connect();
  await c.echo('before');
  const [s] = await h.admin.sessions();
  assert.deepEqual(await h.admin.action(`/session/failover/${s.id}`), SUCCESS);
  await waitUntil(async () => (await h.admin.sessions())[0]?.reconnects === 1, 'reconnects = 1');
  await c.echo('after');
  const moved = (await h.admin.sessions())[0];
  assert.notEqual(moved.backendId, s.backendId);
  const target = h.backends.find((b) => b.id === moved.backendId)!;
  assert.equal(target.lastHandshake()!.headers['x-balancer-reconnect'], '1');
  assert.deepEqual(await h.admin.action('/session/failover/no-such-session'), NOT_FOUND);
});

test('admin/frontend-pause-resume: new handshakes get 503 while paused, sessions go on', async (t) => {
  const h = await harness(t);
  const fe = await h.admin.frontendId();
  const old = await h.connect();
  assert.deepEqual(await h.admin.action(`/frontend/pause/${fe}`), SUCCESS);
  assert.deepEqual(await h.admin.action(`/frontend/pause/${fe}`), NO_ACTION);
  await old.echo('old session works');
  assert.equal(await connectStatus(`${h.sluice.url}/`), 503);
  assert.deepEqual(await h.admin.action(`/frontend/resume/${fe}`), SUCCESS);
  assert.deepEqual(await h.admin.action(`/frontend/resume/${fe}`), NO_ACTION);
  await old.echo('old session still works');
  await (await h.connect()).echo('new session works');
  assert.deepEqual(await h.admin.action('/frontend/pause/not-this-one'), NOT_FOUND);
});

describe('admin/invalid-requests', () => {
  const actions = [
    '/backend/add',
    '/backend/disable/x',
    '/backend/enable/x',
    '/backend/failover/x',
    '/backend/reset/x',
    '/backend/delete/x',
    '/session/abort/x',
    '/session/failover/x',
    '/frontend/pause/x',
    '/frontend/resume/x',
  ];

  test('GET on an action → 400 OnlyPostAllowed with Allow: POST', async (t) => {
    const h = await harness(t);
    for (const path of actions) {
      const r = await h.admin.get<{ result: string; reason: string }>(path);
      assert.equal(r.status, 400, path);
      assert.deepEqual(r.json, { result: 'failed', reason: 'OnlyPostAllowed' }, path);
      assert.equal(r.headers.get('allow'), 'POST', path);
    }
  });

  test('an unknown id → 404 NotFound for every action', async (t) => {
    const h = await harness(t);
    for (const path of actions.slice(1)) {
      assert.deepEqual(await h.admin.action(path.replace(/x$/, '%5E%5E%5E%5E%5E')), NOT_FOUND, path);
    }
    const config = await h.admin.get('/backend/config/nope');
    assert.equal(config.status, 404);
    assert.deepEqual(config.json, { result: 'failed', reason: 'NotFound' });
  });

  test('an empty id → 404 JSON, never an empty reply (wsbalancer panicked)', async (t) => {
    const h = await harness(t);
    const r = await h.admin.post('/backend/disable/');
    assert.equal(r.status, 404);
    assert.equal((r.json as { result: string }).result, 'failed');
  });

  test('POST /backend/add with bad JSON, no url, or a duplicate → 4xx with a reason', async (t) => {
    const h = await harness(t);
    const bad = await h.admin.action('/backend/add', '<>');
    assert.equal(bad.status, 400);
    assert.equal(bad.result, 'failed');
    assert.match(bad.reason ?? '', /json/i);
    const noUrl = await h.admin.action('/backend/add', { id: 'x' });
    assert.equal(noUrl.status, 400);
    assert.match(noUrl.reason ?? '', /url/);
    const dup = await h.admin.action('/backend/add', { url: h.backends[0].url, id: 'another' });
    assert.equal(dup.status, 409);
    const dupId = await h.admin.action('/backend/add', { url: 'ws://127.0.0.1:1', id: h.backends[0].id });
    assert.equal(dupId.status, 409);
    assert.equal((await h.admin.backends()).length, 1);
  });

  test('ids are URL-decoded and ids with quotes still give well-formed JSON', async (t) => {
    const h = await harness(t);
    const id = 'my "odd" backend';
    assert.deepEqual(await h.admin.action('/backend/add', { url: 'ws://127.0.0.1:1/x', id }), SUCCESS);
    const list = await h.admin.get('/backend/list');
    assert.ok(Array.isArray(list.json), 'valid JSON');
    assert.deepEqual(await h.admin.action(`/backend/disable/${encodeURIComponent(id)}`), SUCCESS);
    assert.equal((await h.admin.backend(id)).enabled, false);
  });
});

test('admin actions on a live session do not wait on it: backend-failover answers at once', async (t) => {
  const h = await harness(t, { backends: 2 });
  await h.connect();
  const b = await backendOfOnlySession(h);
  const started = performance.now();
  assert.deepEqual(await h.admin.action(`/backend/failover/${b.id}`), SUCCESS);
  assert.ok(performance.now() - started < 500);
  await waitUntil(async () => (await h.admin.sessions())[0]?.reconnects === 1, 'the session moved');
});
