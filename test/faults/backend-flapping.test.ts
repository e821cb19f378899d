// FAULTS.md §3.43: a backend process that accepts every session and closes it within 10 ms. A
// session stuck with it fails over at most `max-reconnects` times, then gets 1013; sessions on a
// healthy backend keep flowing meanwhile. Each such drop within the backend's flap-window is a
// failed dial, so its breaker opens: new sessions stop going there, and the sessions it dropped
// fail over to the healthy backend without the client noticing.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { ProcessBackend } from '../helpers/process-backend.ts';
import { startSluiceProcess } from '../helpers/process-sluice.ts';
import { waitEvent, waitUntil } from '../helpers/wait.ts';
import { assertRecovered, assertSameProcess, baseline } from './lib/invariants.ts';
import { analyze, Fleet } from './lib/numbered.ts';

const MAX_RECONNECTS = 3;
const VICTIMS = 5;
const THRESHOLD = 3;
const SESSIONS = 12;

/** Sluice in front of a healthy backend g and a backend f that drops every connection 5 ms after its handshake. */
async function flapWorld(
  t: TestContext,
  upstream: Record<string, unknown>,
  flapperKeys: Record<string, unknown>,
) {
  const good = new ProcessBackend({ id: 'g' });
  const flapper = new ProcessBackend({ id: 'f', flapMs: 5 });
  t.after(async () => {
    await Promise.all([good.stop(), flapper.stop()]);
  });
  await Promise.all([good.start(), flapper.start()]);
  const backends = [
    { id: 'g', url: good.url },
    { id: 'f', url: flapper.url, ...flapperKeys },
  ];
  const sp = await startSluiceProcess({ config: { upstream: { ...upstream, backends } } }, t);
  return { flapper, sp, base: baseline(sp) };
}

test('a flapping backend: each session on it is closed with 1013 after max-reconnects, others keep flowing', async (t) => {
  const { flapper, sp, base } = await flapWorld(
    t,
    { 'max-reconnects': MAX_RECONNECTS },
    // The breaker is off here so this test sees max-reconnects alone (the next one has it on).
    { 'breaker-threshold': -1 },
  );

  // bystanders on g only; then only f takes new sessions (and failovers)
  assert.equal((await sp.admin.action('/backend/disable/f')).status, 200);
  const bystanders = new Fleet();
  t.after(() => bystanders.close());
  await bystanders.open(sp.url, 10);
  assert.equal((await sp.admin.action('/backend/enable/f')).status, 200);
  assert.equal((await sp.admin.action('/backend/disable/g')).status, 200);
  bystanders.startPacing(20);

  const victims = await Promise.all(Array.from({ length: VICTIMS }, (_, i) => sp.connect(`/victim${i}`)));
  const t0 = performance.now();
  const closes = await Promise.all(victims.map((c) => c.waitClose(10_000)));
  const storm = performance.now() - t0;
  assert.deepEqual(
    closes.map((c) => c.code),
    victims.map(() => 1013),
  );
  for (let i = 0; i < VICTIMS; i++) {
    const dials = flapper.handshakes.filter((h) => h.path === `/victim${i}`).length;
    assert.ok(dials <= 1 + MAX_RECONNECTS, `victim ${i} was connected ${dials} times`);
  }
  assert.equal(await sp.metric('sluice_failovers_total', { result: 'flapping' }), VICTIMS);

  // the bystanders were served all along
  const during = bystanders.clients.map((c) => c.seqs.length);
  await waitEvent(
    bystanders.events,
    'message',
    () => bystanders.clients.every((c, i) => c.seqs.length > during[i] + 3),
    5000,
    'bystander traffic',
  );
  bystanders.stopPacing();
  await bystanders.waitSettled();
  for (const c of bystanders.clients) {
    const d = analyze(c);
    assert.deepEqual(
      [d.lost.length, d.duplicates, d.reordered, d.runs.join()],
      [0, 0, 0, 'g'],
      `conn ${c.conn}`,
    );
  }
  t.diagnostic(`${VICTIMS} flapping sessions closed with 1013 within ${storm.toFixed(0)} ms`);
  await bystanders.close();
  await assertRecovered(sp, base);
});

test('the breaker opens for a flapping backend; its sessions fail over to the healthy backend unnoticed', async (t) => {
  const { flapper, sp, base } = await flapWorld(
    t,
    {},
    // default flap-window (1s): every close 5 ms after the handshake is a failed dial
    { 'breaker-threshold': THRESHOLD },
  );

  // Round-robin sends every other new session to f until its breaker opens. Each session sends at
  // once, so some messages are written to f just before it drops them (the documented window).
  const fleet = new Fleet();
  t.after(() => fleet.close());
  await fleet.open(sp.url, SESSIONS);
  fleet.tick();
  fleet.startPacing(20);
  const f = await waitUntil(
    async () => {
      const entry = (await sp.admin.backends()).find((b) => b.id === 'f');
      return entry?.tripped ? entry : false;
    },
    "f's breaker to open",
    5000,
    20,
  );
  assert.ok(f.totalFailures >= THRESHOLD, `f counted ${f.totalFailures} failures`);
  assert.equal(await sp.metric('sluice_backend_breaker_open', { backend: 'f' }), 1);
  assert.equal(await sp.metric('sluice_backend_breaker_open', { backend: 'g' }), 0);
  const onF = flapper.handshakes.length;
  assert.ok(onF >= THRESHOLD && onF <= SESSIONS, `${onF} sessions reached f`);

  // Every session dropped by f failed over once, to g; none was closed.
  await waitUntil(
    async () => (await sp.metric('sluice_failovers_total', { result: 'success' })) === onF,
    `${onF} successful failovers`,
    5000,
    20,
  );
  const during = fleet.clients.map((c) => c.seqs.length);
  await waitEvent(
    fleet.events,
    'message',
    () => fleet.clients.every((c, i) => c.seqs.length > during[i] + 3),
    5000,
    'traffic on every session after the failovers',
  );

  // Tripped: new sessions go to g, not f (a half-open trial comes at least 250 ms after the last
  // flap and the next one later still, so at most one reaches f, and it fails over like the others).
  const more = await fleet.open(sp.url, 6);
  for (const c of more) c.send();
  assert.ok(
    flapper.handshakes.length - onF <= 1,
    `${flapper.handshakes.length - onF} new sessions reached f`,
  );

  fleet.stopPacing();
  await fleet.waitSettled();
  const sessions = await sp.admin.sessions();
  assert.equal(sessions.length, SESSIONS + more.length);
  assert.deepEqual(new Set(sessions.map((s) => s.backendId)), new Set(['g']), 'every session is on g');
  let lost = 0;
  for (const c of fleet.clients) {
    assert.equal(c.closed, undefined, `conn ${c.conn} was closed: ${JSON.stringify(c.closed)}`);
    const d = analyze(c);
    assert.deepEqual([d.duplicates, d.reordered, d.runs.join()], [0, 0, 'g'], `conn ${c.conn}`);
    // Only messages written to f before it dropped the connection may be lost: all of them come
    // before the first message g answered.
    assert.ok(
      d.lost.every((s) => s < c.seqs[0]),
      `conn ${c.conn} lost ${d.lost} after its first echo ${c.seqs[0]}`,
    );
    lost += d.lost.length;
  }
  assertSameProcess(sp, base);
  t.diagnostic(
    `f: ${onF} sessions, ${f.totalFailures} failures counted, breaker open; ${lost} messages lost in the window`,
  );
  await fleet.close();
  await assertRecovered(sp, base);
});
