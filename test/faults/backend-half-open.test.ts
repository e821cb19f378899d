// FAULTS.md §3.40 (second half): a backend process that is SIGSTOPped keeps its sockets open, so
// only the proxy's ping deadline can find it (ping-time 200ms, pong-timeout 300ms). Its sessions
// fail over; after SIGCONT the old connections turn out closed, and what the frozen process reads
// from its buffers afterwards never reaches a client: no duplicate delivery.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitEvent } from '../helpers/wait.ts';
import { assertRecovered, assertSameProcess } from './lib/invariants.ts';
import { analyze, Fleet } from './lib/numbered.ts';
import { receivedByConn, startWorld } from './lib/setup.ts';

const SESSIONS = 60;
// detection needs a ping (≤ 200 ms) plus the 300 ms deadline plus a heartbeat tick; loose bound
const DETECT_BOUND_MS = 3000;

test('SIGSTOP on a backend: the ping deadline fails its sessions over; after SIGCONT nothing is delivered twice', async (t) => {
  const { sp, backends, base } = await startWorld(t, {
    backend: { record: true },
    backendKeys: { 'ping-time': '200ms', 'pong-timeout': '300ms' },
  });
  const fleet = new Fleet();
  t.after(() => fleet.close());
  await fleet.open(sp.url, SESSIONS);
  fleet.startPacing(25);
  await waitEvent(
    fleet.events,
    'message',
    () => fleet.clients.every((c) => c.seqs.length >= 3),
    10_000,
    '3 echoes each',
  );

  const frozen = backends[0];
  const onFrozen = fleet.clients.filter((c) => c.lastBackend === 'a');
  const others = fleet.clients.filter((c) => c.lastBackend !== 'a');
  const stoppedAt = performance.now();
  frozen.signal('SIGSTOP');
  t.after(() => frozen.running && frozen.signal('SIGCONT'));

  await waitEvent(
    fleet.events,
    'message',
    () => onFrozen.every((c) => c.from.some((b) => b !== 'a')),
    DETECT_BOUND_MS * 3,
    'every session of the stopped backend to echo from another backend',
  );
  const worst = Math.max(...onFrozen.map((c) => c.at[c.from.findIndex((b) => b !== 'a')] - stoppedAt));
  assert.ok(worst < DETECT_BOUND_MS, `the slowest session failed over after ${worst.toFixed(0)} ms`);
  await sp.waitLog((l) => String(l.msg).includes('did not answer ping'), 'the ping-deadline log line');

  // wake it up: it reads what was in its buffers, finds its connections closed, answers nobody
  frozen.signal('SIGCONT');
  await frozen.waitFor(() => frozen.closes.length >= onFrozen.length, 'the old connections to close', 10_000);
  await sp.admin.post('/backend/disable/a'); // keep new dials off it; the test is about the old links
  fleet.stopPacing();
  await fleet.waitSettled(10_000);

  const byBackend = backends.map((b) => receivedByConn(b));
  for (const c of onFrozen) {
    const d = analyze(c);
    assert.equal(d.duplicates, 0, `conn ${c.conn}: duplicated`);
    assert.equal(d.reordered, 0, `conn ${c.conn}: reordered`);
    assert.deepEqual(d.runs.slice(0, 1), ['a']);
    assert.equal(
      d.runs.length,
      2,
      `conn ${c.conn}: nothing from the stopped backend after the switch (${d.runs})`,
    );
    const old = new Set(byBackend[0].get(c.conn) ?? []);
    const moved = byBackend[backends.findIndex((b) => b.options.id === d.runs[1])].get(c.conn) ?? [];
    assert.deepEqual(
      moved.filter((s) => old.has(s)),
      [],
      `conn ${c.conn}: read by both backends`,
    );
    for (let i = 1; i < moved.length; i++) assert.equal(moved[i], moved[i - 1] + 1, `conn ${c.conn}: gap`);
  }
  for (const c of others) {
    const d = analyze(c);
    assert.deepEqual(
      [d.lost.length, d.duplicates, d.reordered, d.runs.length],
      [0, 0, 0, 1],
      `conn ${c.conn}`,
    );
  }
  assert.ok((await sp.metric('sluice_failovers_total', { result: 'success' })) >= onFrozen.length);
  t.diagnostic(`${onFrozen.length} sessions failed over by ping deadline, slowest ${worst.toFixed(0)} ms`);
  assertSameProcess(sp, base);
  await fleet.close();
  await assertRecovered(sp, base);
});
