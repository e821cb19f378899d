import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTokenCheck } from '../../../runtime/admin/auth.ts';
import { createHostGuard, parseHostPort } from '../../../runtime/admin/host-guard.ts';
import { type AdminHarness, post, startAdmin } from './harness.ts';

const UNAUTHORIZED = '{"result":"failed","reason":"Unauthorized"}';
const CROSS_SITE = '{"result":"failed","reason":"CrossSiteRequest"}';
const MISDIRECTED = '{"result":"failed","reason":"MisdirectedRequest"}';

describe('admin token (Authorization: Bearer)', () => {
  const token = 's3cret-token-value';
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin({ token });
  });
  after(() => h.close());

  test('a request without the token is 401 with WWW-Authenticate: Bearer', async () => {
    const r = await h.send({ path: '/backend/list' });
    assert.equal(r.status, 401);
    assert.equal(r.text, UNAUTHORIZED);
    assert.match(String(r.headers['www-authenticate']), /^Bearer\b/);
  });

  test('a wrong token, a Basic header or a token prefix is 401 and the action does not run', async () => {
    for (const authorization of [
      `Bearer ${token}x`,
      `Bearer ${token.slice(0, -1)}`,
      `Basic ${token}`,
      token,
    ]) {
      const r = await post(h, '/backend/disable/a', undefined, { Authorization: authorization });
      assert.equal(r.status, 401, authorization);
      assert.equal(r.text, UNAUTHORIZED);
    }
    assert.equal(h.bus.backends.get('a')?.enabled, true);
  });

  test('unknown paths without the token are 401 too, so endpoints cannot be probed', async () => {
    assert.equal((await h.send({ path: '/nope' })).status, 401);
  });

  test('the right token is accepted (scheme case-insensitive) on reads, actions and /metrics', async () => {
    assert.equal(
      (await h.send({ path: '/backend/list', headers: { Authorization: `Bearer ${token}` } })).status,
      200,
    );
    assert.equal(
      (await h.send({ path: '/metrics', headers: { Authorization: `bearer ${token}` } })).status,
      200,
    );
    const r = await post(h, '/backend/disable/a', undefined, { Authorization: `Bearer ${token}` });
    assert.equal(r.text, '{"result":"success"}');
    h.bus.backends.get('a')!.enabled = true;
  });

  test('/healthz and /readyz need no token', async () => {
    assert.equal((await h.send({ path: '/healthz' })).text, '{"status":"ok"}');
    assert.equal((await h.send({ path: '/readyz' })).text, '{"status":"ok"}');
  });

  test('actions are logged at info with method, path and result, and the token never is', async () => {
    await post(h, '/backend/reset/a', undefined, { Authorization: `Bearer ${token}` });
    const entry = h.logs.find((l) => l.msg === 'admin action' && l.path === '/backend/reset/a');
    assert.ok(entry, 'the action was logged');
    assert.equal(entry.level, 30);
    assert.equal(entry.method, 'POST');
    assert.equal(entry.status, 200);
    assert.equal(entry.result, 'success:NoActionRequired');
    assert.ok(h.logs.some((l) => l.msg === 'admin request refused' && l.status === 401));
    assert.ok(!h.rawLogs.join('').includes(token));
  });

  test('createTokenCheck: only the exact bearer token passes; no token configured lets all pass', () => {
    const check = createTokenCheck('abc');
    assert.equal(check('Bearer abc'), true);
    assert.equal(check('Bearer  abc '), true);
    assert.equal(check('Bearer abcd'), false);
    assert.equal(check('Bearer ab'), false);
    assert.equal(check('Bearer '), false);
    assert.equal(check(undefined), false);
    assert.equal(createTokenCheck(undefined)(undefined), true);
  });
});

describe('admin cross-site request guard', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin();
  });
  after(() => h.close());

  test('a simple-request content type (text/plain, form, multipart) on a POST is 403', async () => {
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await post(h, '/backend/disable/a', '{}', { 'Content-Type': type });
      assert.equal(r.status, 403, type);
      assert.equal(r.text, CROSS_SITE);
    }
    const add = await post(h, '/backend/add', '{"id":"evil","url":"ws://evil.example"}', {
      'Content-Type': 'text/plain',
      Origin: 'http://evil.example',
    });
    assert.equal(add.status, 403);
    assert.equal(h.bus.backends.has('evil'), false);
    assert.equal(h.bus.backends.get('a')?.enabled, true);
  });

  test('a POST from a foreign or opaque Origin, or marked Sec-Fetch-Site: cross-site, is 403', async () => {
    const cases: Array<Record<string, string>> = [
      { Origin: 'http://evil.example' },
      { Origin: `http://evil.example:${h.port}` },
      { Origin: `https://127.0.0.1:${h.port}` },
      { Origin: 'null' },
      { 'Sec-Fetch-Site': 'cross-site' },
    ];
    for (const headers of cases) {
      const r = await post(h, '/backend/disable/a', undefined, headers);
      assert.equal(r.status, 403, JSON.stringify(headers));
      assert.equal(r.text, CROSS_SITE);
    }
    assert.equal(h.bus.backends.get('a')?.enabled, true);
  });

  test("a POST from the admin's own origin, or same-origin, is served", async () => {
    const own = await post(h, '/backend/disable/a', undefined, {
      Origin: `http://127.0.0.1:${h.port}`,
      'Sec-Fetch-Site': 'same-origin',
    });
    assert.equal(own.text, '{"result":"success"}');
    const local = await post(h, '/backend/enable/a', undefined, { Origin: `http://localhost:${h.port}` });
    assert.equal(local.text, '{"result":"success"}');
  });

  test('GET reads are not refused for their Origin (the browser cannot read the answer)', async () => {
    assert.equal(
      (await h.send({ path: '/backend/list', headers: { Origin: 'http://evil.example' } })).status,
      200,
    );
  });
});

describe('admin Host guard (DNS rebinding)', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin({ allowedHosts: ['admin.internal', 'proxy.example:8443'] });
  });
  after(() => h.close());

  test('a Host naming another site or another port is 421 MisdirectedRequest', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${h.port}`,
      `127.0.0.1:${h.port + 1}`,
      'localhost',
      'proxy.example:443',
    ]) {
      const r = await h.send({ path: '/backend/list', headers: { Host: host } });
      assert.equal(r.status, 421, host);
      assert.equal(r.text, MISDIRECTED);
    }
    const action = await post(h, '/backend/delete/a', undefined, { Host: 'rebind.evil.example' });
    assert.equal(action.status, 421);
    assert.ok(h.bus.backends.has('a'));
  });

  test('the listen address, loopback names with the listen port and allowed-hosts are served', async () => {
    for (const host of [
      `127.0.0.1:${h.port}`,
      `localhost:${h.port}`,
      `LOCALHOST:${h.port}`,
      `[::1]:${h.port}`,
      `127.0.0.2:${h.port}`,
      'admin.internal',
      'admin.internal:9999',
      'proxy.example:8443',
    ]) {
      const r = await h.send({ path: '/backend/list', headers: { Host: host } });
      assert.equal(r.status, 200, host);
    }
  });

  test('health probes answer whatever the Host', async () => {
    assert.equal((await h.send({ path: '/healthz', headers: { Host: 'pod-10-0-0-7' } })).status, 200);
    assert.equal((await h.send({ path: '/readyz', headers: { Host: 'evil.example' } })).status, 200);
  });

  test('parseHostPort reads names, IPv4, bracketed IPv6 and ports, and refuses junk', () => {
    assert.deepEqual(parseHostPort('Example.COM:8081'), { hostname: 'example.com', port: 8081 });
    assert.deepEqual(parseHostPort('[::1]:80'), { hostname: '::1', port: 80 });
    assert.deepEqual(parseHostPort('[::1]'), { hostname: '::1', port: undefined });
    assert.deepEqual(parseHostPort('localhost.'), { hostname: 'localhost', port: undefined });
    for (const junk of ['', '::1', 'a:b', 'a:99999', 'a b:1', 'user@host:1', '[::1']) {
      assert.equal(parseHostPort(junk), undefined, junk);
    }
  });

  test('a wildcard bind accepts the machine addresses and loopback on its port only', () => {
    const guard = createHostGuard('0.0.0.0', 8081, []);
    assert.equal(guard('127.0.0.1:8081'), true);
    assert.equal(guard('localhost:8081'), true);
    assert.equal(guard('127.0.0.1:8080'), false);
    assert.equal(guard('evil.example:8081'), false);
    assert.equal(guard(undefined), false);
  });
});
