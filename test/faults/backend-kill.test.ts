// FAULTS.md §3.38: `kill -9` one of 3 backend processes while 500 sessions send numbered messages.
// Every session on it fails over; on the new backend the client's sequence numbers are contiguous;
// nothing is duplicated, nothing reordered, nothing from the dead backend arrives after the switch;
// the only losses are messages already handed to the dead backend's kernel (at-most-once window).
// Sessions on the other backends see nothing at all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitEvent } from '../helpers/wait.ts';
import { assertRecovered, assertSameProcess } from './lib/invariants.ts';
import { analyze, Fleet, type NumberedClient } from './lib/numbered.ts';
import { receivedByConn, startWorld } from './lib/setup.ts';

const SESSIONS = 500;
const PACE_MS = 20;
// FAULTS.md measured failover within 1 s; assert a loose bound on a loaded 2-core machine.
const FAILOVER_BOUND_MS = 5000;
// At-most-once: only what was written to the dead backend's socket and never read can be lost.
// Backend writes are batched per tick, so that is every message of this session the proxy read
// in one turn before it saw the death (a FIN-then-RST takes a round trip): more than one on a
// starved machine (10 seen at 20 ms pacing with other test suites running). Where they sit
// (between the old backend's last and the new one's first) is asserted exactly below.
const MAX_LOST_PER_SESSION = 25;

test('kill -9 of one of 3 backends under 500 sessions: every session on it fails over, 0 duplicates, order kept', async (t) => {
  const { sp, backends, base } = await startWorld(t, { backend: { record: true } });
  const fleet = new Fleet();
  t.after(() => fleet.close());
  await fleet.open(sp.url, SESSIONS);
  fleet.startPacing(PACE_MS);
  await waitEvent(
    fleet.events,
    'message',
    () => fleet.clients.every((c) => c.seqs.length >= 3),
    15_000,
    '3 echoes each',
  );

  const victim = backends[0];
  const onVictim = fleet.clients.filter((c) => c.lastBackend === 'a');
  const others = fleet.clients.filter((c) => c.lastBackend !== 'a');
  assert.ok(onVictim.length >= SESSIONS / 4, `round-robin put ${onVictim.length} sessions on a`);
  const killedAt = performance.now();
  await victim.kill();

  // every session on the dead backend gets an echo from another one within the bound
  const movedAt = (c: NumberedClient) => c.at[c.from.findIndex((b, i) => b !== 'a' && c.at[i] >= killedAt)];
  await waitEvent(
    fleet.events,
    'message',
    () => onVictim.every((c) => c.from.some((b) => b !== 'a')),
    FAILOVER_BOUND_MS * 2,
    'every session of the killed backend to echo from another backend',
  );
  const worst = Math.max(...onVictim.map((c) => movedAt(c) - killedAt));
  assert.ok(worst < FAILOVER_BOUND_MS, `the slowest session took ${worst.toFixed(0)} ms to fail over`);

  // a little more traffic on the new backends, then let every echo come back
  const sentAtMove = fleet.clients.reduce((n, c) => n + c.sent, 0);
  await waitEvent(
    fleet.events,
    'message',
    () => fleet.clients.reduce((n, c) => n + c.seqs.length, 0) > sentAtMove + SESSIONS * 3,
    15_000,
    'traffic after the failover',
  );
  fleet.stopPacing();
  await fleet.waitSettled(15_000);
  assert.deepEqual(
    fleet.clients.filter((c) => c.closed).map((c) => c.closed),
    [],
    'no session was closed',
  );

  const byBackend = backends.map((b) => receivedByConn(b));
  let lostTotal = 0;
  for (const c of onVictim) {
    const d = analyze(c);
    assert.equal(d.duplicates, 0, `conn ${c.conn}: duplicated echoes`);
    assert.equal(d.reordered, 0, `conn ${c.conn}: reordered echoes`);
    assert.equal(d.runs.length, 2, `conn ${c.conn}: backends in arrival order ${d.runs.join(',')}`);
    assert.equal(d.runs[0], 'a', `conn ${c.conn}: nothing from a after the switch (${d.runs.join(',')})`);
    const newIdx = backends.findIndex((b) => b.options.id === d.runs[1]);
    // What the old backend had: its own record, plus whatever it echoed — its record is written
    // by a process killed with SIGKILL and may miss its last lines.
    const echoedByOld = c.seqs.filter((_, i) => c.from[i] === 'a');
    const old = [...new Set([...(byBackend[0].get(c.conn) ?? []), ...echoedByOld])].sort((x, y) => x - y);
    const fresh = byBackend[newIdx].get(c.conn) ?? [];
    // what reached the new backend: contiguous, in order, and never what the old one had read
    for (let i = 1; i < fresh.length; i++)
      assert.equal(fresh[i], fresh[i - 1] + 1, `conn ${c.conn}: gap on the new backend at ${fresh[i - 1]}`);
    const oldSet = new Set(old);
    assert.deepEqual(
      fresh.filter((s) => oldSet.has(s)),
      [],
      `conn ${c.conn}: delivered to both backends`,
    );
    // the lost ones: none reached any backend, all sit between the old backend's last and the new one's first
    const lost = d.lost.filter((s) => !oldSet.has(s));
    const lastOld = old.length ? old[old.length - 1] : -1;
    for (const s of lost)
      assert.ok(s > lastOld && s < fresh[0], `conn ${c.conn}: seq ${s} lost outside the window`);
    assert.ok(lost.length <= MAX_LOST_PER_SESSION, `conn ${c.conn}: ${lost.length} messages lost`);
    assert.equal(
      fresh[0],
      lastOld + 1 + lost.length,
      `conn ${c.conn}: the new backend starts right after the window`,
    );
    lostTotal += lost.length;
  }
  for (const c of others) {
    const d = analyze(c);
    assert.deepEqual(
      { lost: d.lost.length, duplicates: d.duplicates, reordered: d.reordered, runs: d.runs.length },
      { lost: 0, duplicates: 0, reordered: 0, runs: 1 },
      `conn ${c.conn} on another backend was disturbed`,
    );
  }
  t.diagnostic(
    `${onVictim.length} sessions failed over, slowest ${worst.toFixed(0)} ms, ${lostTotal} lost in the at-most-once window`,
  );

  assert.ok((await sp.metric('sluice_failovers_total', { result: 'success' })) >= onVictim.length);
  assertSameProcess(sp, base);
  await fleet.close();
  await assertRecovered(sp, base);
});
