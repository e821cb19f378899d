// The circuit breaker (WSBALANCER.md §5.3, §7 breaker/*): only dial failures (5xx, refused) count,
// and connections the backend drops within its flap-window (breaker-flap.test.ts); a tripped
// backend is skipped; it closes again on its own after a short backoff, or at once with
// POST /backend/reset; a negative threshold disables it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_ACTION, SUCCESS } from '../helpers/admin.ts';
import { connectStatus } from '../helpers/client.ts';
import { type Harness, harness } from '../helpers/harness.ts';
import { delay, waitUntil } from '../helpers/wait.ts';

const N = 2;

/** Re-adds every backend with `changes` applied to its config (as the Go suite did at runtime). */
async function readdAll(h: Harness, changes: Record<string, unknown>): Promise<void> {
  for (const b of h.backends) {
    const config = await h.admin.config(b.id);
    assert.deepEqual(await h.admin.action(`/backend/delete/${b.id}`), SUCCESS);
    assert.deepEqual(await h.admin.action('/backend/add', { ...config, ...changes }), SUCCESS);
  }
}

function setFailing(h: Harness, failing: boolean): void {
  for (const b of h.backends) b.options.rejectWith = failing ? 500 : undefined;
}

async function attempts(h: Harness, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await connectStatus(`${h.sluice.url}/`));
  return out;
}

test('breaker/disable: threshold -1 never trips; every attempt tries every backend', async (t) => {
  const h = await harness(t, { backends: N });
  await readdAll(h, { 'breaker-threshold': -1 });
  setFailing(h, true);
  assert.deepEqual(await attempts(h, 5), [502, 502, 502, 502, 502]);
  for (const b of await h.admin.backends()) {
    assert.equal(b.totalFailures, 5, b.id);
    assert.equal(b.tripped, false, b.id);
  }
  setFailing(h, false);
  await (await h.connect()).echo('recovered');
});

test('breaker/trip-auto-clear: threshold 2 trips, tripped backends are skipped, they clear within ~1.5 s', async (t) => {
  const h = await harness(t, { backends: N });
  await readdAll(h, { 'breaker-threshold': 2 });
  setFailing(h, true);
  assert.deepEqual(await attempts(h, N * 3), Array(N * 3).fill(502));
  const list = await h.admin.backends();
  for (const b of list) {
    assert.ok(b.totalFailures >= 2, `${b.id} failures ${b.totalFailures}`);
    assert.equal(b.tripped, true, b.id);
  }
  const requestsWhileTripped = h.backends.map((b) => b.requests.length);
  assert.ok(
    requestsWhileTripped.reduce((a, b) => a + b, 0) < N * 3 * N,
    'tripped backends were skipped, not dialled',
  );
  setFailing(h, false);
  const started = performance.now();
  // The breaker lets a trial dial through after its backoff (250–750 ms); poll until it has.
  await waitUntil(async () => (await connectStatus(`${h.sluice.url}/`)) === 101, 'a connection', 1500, 50);
  const took = performance.now() - started;
  assert.ok(took < 1500, `cleared after ${Math.round(took)} ms`);
  assert.deepEqual(await attempts(h, N * 3), Array(N * 3).fill(101));
});

test('breaker/trip-reset: POST /backend/reset clears a tripped breaker at once', async (t) => {
  const h = await harness(t, { backends: N });
  await readdAll(h, { 'breaker-threshold': 2 });
  setFailing(h, true);
  await attempts(h, N * 3);
  for (const b of await h.admin.backends()) assert.equal(b.tripped, true);
  setFailing(h, false);
  for (const b of h.backends) {
    assert.deepEqual(await h.admin.action(`/backend/reset/${b.id}`), SUCCESS);
    assert.deepEqual(await h.admin.action(`/backend/reset/${b.id}`), NO_ACTION);
  }
  for (const b of await h.admin.backends()) assert.equal(b.tripped, false);
  assert.deepEqual(await attempts(h, N * 3), Array(N * 3).fill(101));
});

test('breaker counts only dial failures: 4xx answers and mid-session drops do not trip it', async (t) => {
  const FLAP_WINDOW_MS = 100;
  const h = await harness(t, {
    backends: 1,
    backend: { 'breaker-threshold': 2, 'flap-window': `${FLAP_WINDOW_MS}ms` },
  });
  const [b] = h.backends;
  b.options.rejectWith = 403;
  assert.deepEqual(await attempts(h, 3), [403, 403, 403]);
  b.options.rejectWith = undefined;
  const c = await h.connect();
  for (let i = 0; i < 3; i++) {
    // Mid-session: the connection has outlived flap-window (a drop sooner is a flap, which counts).
    await delay(FLAP_WINDOW_MS + 50);
    b.destroyAll();
    await b.waitHandshakes(i + 2);
    await c.echo(`after drop ${i}`);
  }
  const entry = await h.admin.backend(b.id);
  assert.equal(entry.totalFailures, 0);
  assert.equal(entry.tripped, false);
});
