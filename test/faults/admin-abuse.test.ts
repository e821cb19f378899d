// The parts of FAULTS.md §3.48 that test/unit/admin and test/integration/admin.test.ts do not
// cover, against a `sluice run` process with real backend processes: deleting a backend while its
// sessions are failing over leaves a consistent state, and backend URLs that point at the admin
// API itself or at a cloud metadata address are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackendListEntry, SessionListEntry } from '../../runtime/control/bus.ts';
import { waitEvent, waitUntil } from '../helpers/wait.ts';
import { assertRecovered, assertSameProcess } from './lib/invariants.ts';
import { analyze, Fleet } from './lib/numbered.ts';
import { startWorld } from './lib/setup.ts';

test('deleting a backend while sessions fail over onto it: every session ends up on a live backend, lists agree', async (t) => {
  const { sp, backends, base } = await startWorld(t, { backendKeys: { 'breaker-threshold': 1000 } });
  const fleet = new Fleet();
  t.after(() => fleet.close());
  await fleet.open(sp.url, 60);
  fleet.startPacing(20);
  await waitEvent(
    fleet.events,
    'message',
    () => fleet.clients.every((c) => c.seqs.length >= 3),
    10_000,
    'traffic',
  );

  // a dies; while its sessions dial b and c, b is deleted
  await backends[0].kill();
  const del = await sp.admin.action('/backend/delete/b');
  assert.equal(del.status, 200);
  await waitEvent(
    fleet.events,
    'message',
    () => fleet.clients.every((c) => c.closed !== undefined || c.lastBackend === 'c'),
    15_000,
    'every session on c (or closed)',
  );
  fleet.stopPacing();
  const open = fleet.clients.filter((c) => c.closed === undefined);
  await fleet.waitSettled(10_000, open);
  for (const c of fleet.clients) {
    if (c.closed) assert.equal(c.closed.code, 1013, `conn ${c.conn} closed with ${c.closed.code}`);
    else assert.deepEqual([analyze(c).duplicates, analyze(c).reordered], [0, 0], `conn ${c.conn}`);
  }

  const [sessions, list] = await Promise.all([sp.admin.sessions(), sp.admin.backends()]);
  assert.deepEqual(
    list.map((b: BackendListEntry) => b.id).sort(),
    ['a', 'c'],
    'b is gone from /backend/list',
  );
  assert.equal(sessions.length, open.length, '/session/list has exactly the open sessions');
  assert.ok(
    sessions.every((s: SessionListEntry) => s.backendId === 'c'),
    'every session is on c',
  );
  const c = list.find((b) => b.id === 'c');
  assert.equal(c?.activeConnections, open.length, "c's activeConnections matches the sessions on it");
  assert.equal(list.find((b) => b.id === 'a')?.activeConnections, 0);
  assert.equal(await sp.metric('sluice_backend_sessions', { backend: 'c' }), open.length);
  t.diagnostic(`${open.length} sessions on c, ${fleet.clients.length - open.length} closed with 1013`);
  assertSameProcess(sp, base);
  await fleet.close();
  await waitUntil(async () => (await sp.admin.sessions()).length === 0, 'no session left');
  await assertRecovered(sp, base);
});

for (const [what, url] of [
  ['the admin API itself', 'admin'],
  ['a cloud metadata address (169.254.169.254)', 'ws://169.254.169.254/'],
] as const) {
  test(`POST /backend/add with a URL pointing at ${what} → 400`, async (t) => {
    const { sp } = await startWorld(t, { backends: 1 });
    const target = url === 'admin' ? `ws://127.0.0.1:${new URL(sp.admin.base).port}/` : url;
    const r = await sp.admin.post<{ result: string }>('/backend/add', { id: 'probe', url: target });
    assert.equal(r.status, 400);
    assert.equal(r.json.result, 'failed');
  });
}
