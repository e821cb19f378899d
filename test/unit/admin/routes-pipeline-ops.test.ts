import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminHarness, post, startAdmin } from './harness.ts';

describe('admin /pipeline, /metrics and health endpoints', () => {
  let h: AdminHarness;
  before(async () => {
    h = await startAdmin({}, { reloadTimeoutMs: 200 });
  });
  after(() => h.close());

  test('GET /pipeline returns the status the bus reports, as JSON', async () => {
    const r = await h.send({ path: '/pipeline' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(r.json, h.bus.pipelineStatus());
  });

  test('a pipeline status that cannot be encoded as JSON gives 500 JSON, not a dropped connection', async () => {
    const original = h.bus.pipelineStatus;
    h.bus.pipelineStatus = () => ({ calls: 1n });
    try {
      const r = await h.send({ path: '/pipeline' });
      assert.equal(r.status, 500);
      assert.match(
        (r.json as { reason: string }).reason,
        /^InternalError: the answer could not be encoded as JSON/,
      );
    } finally {
      h.bus.pipelineStatus = original;
    }
    assert.equal((await h.send({ path: '/pipeline' })).status, 200);
  });

  test('POST /pipeline/reload answers the bus outcome', async () => {
    h.bus.reload = async () => ({ kind: 'success' });
    assert.equal((await post(h, '/pipeline/reload')).text, '{"result":"success"}');
    h.bus.reload = async () => ({ kind: 'noop' });
    assert.equal(
      (await post(h, '/pipeline/reload')).text,
      '{"result":"success","reason":"NoActionRequired"}',
    );
    h.bus.reload = async () => ({
      kind: 'invalid',
      reason: 'valves/redact.js:3:7 SyntaxError: Unexpected "}"',
    });
    const bad = await post(h, '/pipeline/reload');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json, {
      result: 'failed',
      reason: 'valves/redact.js:3:7 SyntaxError: Unexpected "}"',
    });
  });

  test('a reload that never settles is answered 504 after the timeout', async () => {
    h.bus.reload = () => new Promise(() => {});
    const started = Date.now();
    const r = await post(h, '/pipeline/reload');
    assert.equal(r.status, 504);
    assert.match(
      (r.json as { reason: string }).reason,
      /^Timeout: the pipeline reload did not finish within 0.2s/,
    );
    assert.ok(Date.now() - started < 3000);
  });

  test('a reload that rejects is answered 500 with its message as JSON', async () => {
    h.bus.reload = async () => {
      throw new Error('disk "gone"');
    };
    const r = await post(h, '/pipeline/reload');
    assert.equal(r.status, 500);
    assert.deepEqual(r.json, { result: 'failed', reason: 'InternalError: disk "gone"' });
  });

  test('GET /metrics returns Prometheus text with its content type and current values', async () => {
    h.metrics.sessionsOpened.inc(3);
    h.metrics.dials.inc({ backend: 'a', result: 'success' });
    const r = await h.send({ path: '/metrics' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(r.text, /^# TYPE sluice_sessions_opened_total counter$/m);
    assert.match(r.text, /^sluice_sessions_opened_total 3$/m);
    assert.match(r.text, /^sluice_backend_dials_total\{backend="a",result="success"\} 1$/m);
    // enable-instrumentation: wsbalancer's three metrics are registered too
    for (const name of ['wsbalancer_new_session', 'wsbalancer_active_sessions', 'wsbalancer_message_size']) {
      assert.match(r.text, new RegExp(`^# HELP ${name} `, 'm'));
    }
  });

  test('HEAD /metrics answers the headers without a body', async () => {
    const r = await h.send({ method: 'HEAD', path: '/metrics' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.ok(Number(r.headers['content-length']) > 0);
  });

  test('GET /healthz is 200 {"status":"ok"} while live, 503 otherwise', async () => {
    const ok = await h.send({ path: '/healthz' });
    assert.equal(ok.status, 200);
    assert.equal(ok.text, '{"status":"ok"}');
    h.health.isLive = false;
    try {
      const down = await h.send({ path: '/healthz' });
      assert.equal(down.status, 503);
      assert.equal(down.text, '{"status":"down"}');
    } finally {
      h.health.isLive = true;
    }
  });

  test('GET /readyz is 200 when ready and 503 {"status":"draining"} when not', async () => {
    const ready = await h.send({ path: '/readyz' });
    assert.equal(ready.status, 200);
    assert.equal(ready.text, '{"status":"ok"}');
    h.health.isReady = false;
    try {
      const draining = await h.send({ path: '/readyz' });
      assert.equal(draining.status, 503);
      assert.equal(draining.headers['content-type'], 'application/json');
      assert.equal(draining.text, '{"status":"draining"}');
    } finally {
      h.health.isReady = true;
    }
  });
});
