// /metrics after real traffic (WSBALANCER.md §6, §8.13): wsbalancer's three metrics only with
// enable-instrumentation, counting client sessions (not backend connections) and following the
// session to its new backend after a failover; Sluice's own metrics always.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendOfOnlySession, type Harness, harness } from '../helpers/harness.ts';
import { waitUntil } from '../helpers/wait.ts';

/** Sum of every sample of `name` whose labels contain all of `labels` (`k="v"` pairs). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function metrics(h: Harness): Promise<string> {
  const r = await h.admin.get('/metrics');
  assert.equal(r.status, 200);
  return r.text;
}

test('without enable-instrumentation only sluice_ metrics are exported', async (t) => {
  const h = await harness(t);
  await (await h.connect()).echo('x');
  const text = await metrics(h);
  assert.doesNotMatch(text, /^wsbalancer_/m);
  assert.equal(sample(text, 'sluice_sessions_opened_total'), 1);
  assert.equal(sample(text, 'sluice_messages_total', { direction: 'client_to_backend' }), 1);
});

test('wsbalancer metrics count one client session across a failover and follow it to the new backend', async (t) => {
  const h = await harness(t, { backends: 2, server: { 'enable-instrumentation': true } });
  const c = await h.connect();
  await c.echo('before');
  const first = await backendOfOnlySession(h);
  const other = h.backends.find((b) => b !== first)!;
  first.closeAll(1011);
  await other.waitHandshakes(1);
  await c.echo('after');
  const text = await metrics(h);
  assert.equal(sample(text, 'wsbalancer_new_session'), 1, 'one client session, whatever its failovers');
  assert.equal(sample(text, 'wsbalancer_active_sessions', { backend: first.id }), 0);
  assert.equal(sample(text, 'wsbalancer_active_sessions', { backend: other.id }), 1);
  const f2b = { direction: 'f2b' };
  assert.equal(sample(text, 'wsbalancer_message_size_count', { ...f2b, backend: first.id }), 1);
  assert.equal(sample(text, 'wsbalancer_message_size_count', { ...f2b, backend: other.id }), 1, 'not stale');
  assert.equal(sample(text, 'sluice_failovers_total', { result: 'success' }), 1);
  assert.equal(sample(text, 'sluice_sessions_active'), 1);
  await c.close();
  await waitUntil(async () => sample(await metrics(h), 'sluice_sessions_active') === 0, 'no active session');
  assert.equal(sample(await metrics(h), 'wsbalancer_active_sessions'), 0);
});

test('dial outcomes and breaker state are exported per backend', async (t) => {
  const h = await harness(t, { backends: [{ rejectWith: 503 }, {}], backend: { 'breaker-threshold': 1 } });
  await (await h.connect()).echo('x');
  await (await h.connect()).echo('y');
  const text = await metrics(h);
  const [bad, good] = h.backends;
  assert.equal(sample(text, 'sluice_backend_dials_total', { backend: good.id, result: 'success' }), 2);
  assert.ok(sample(text, 'sluice_backend_dials_total', { backend: bad.id }) >= 1);
  assert.equal(sample(text, 'sluice_backend_breaker_open', { backend: bad.id }), 1);
  assert.equal(sample(text, 'sluice_backend_breaker_open', { backend: good.id }), 0);
});
