// FAULTS.md §3.39–41 against real backend processes: a refused port and a failing DNS name on the
// first connect, a backend that never answers its handshake, 500/503 answers (next backend, the
// breaker counts them) versus 401/403 answers (the client gets the status, or 1008 mid-session,
// and no other backend is tried).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectStatus } from '../helpers/client.ts';
import { ProcessBackend } from '../helpers/process-backend.ts';
import { startSluiceProcess } from '../helpers/process-sluice.ts';
import { waitUntil } from '../helpers/wait.ts';
import { assertRecovered, baseline } from './lib/invariants.ts';
import { reply } from './lib/numbered.ts';

type Raw = Record<string, unknown>;

/** Starts process backends from `specs` (stopped in t.after). */
async function backendsOf(
  t: { after(fn: () => Promise<void>): void },
  specs: ConstructorParameters<typeof ProcessBackend>[0][],
): Promise<ProcessBackend[]> {
  const list = specs.map((s) => new ProcessBackend(s));
  t.after(async () => {
    await Promise.all(list.map((b) => b.stop()));
  });
  for (const b of list) await b.start();
  return list;
}

const entry = (b: ProcessBackend, extra: Raw = {}): Raw => ({
  id: b.options.id,
  url: b.url,
  'handshake-timeout': '1s',
  ...extra,
});

test('a refused port and an unresolvable host on first connect: the next backend serves; all down → 502 before any upgrade', async (t) => {
  const [gone, a] = await backendsOf(t, [{ id: 'gone' }, { id: 'a' }]);
  await gone.kill(); // its port now refuses connections
  const sp = await startSluiceProcess(
    {
      config: {
        upstream: {
          backends: [
            { id: 'dns', url: 'ws://no-such-host.invalid:9000', 'breaker-threshold': 1000 },
            { ...entry(gone), 'breaker-threshold': 1000 },
            entry(a, { 'breaker-threshold': 1000 }),
          ],
        },
      },
    },
    t,
  );
  const base = baseline(sp);
  for (let i = 0; i < 6; i++) {
    const c = await sp.connect(`/s${i}`);
    assert.equal(await reply(c, `hello ${i}`), `a|hello ${i}`, 'every session lands on the live backend');
    await c.close();
  }
  assert.ok((await sp.metric('sluice_backend_dials_total', { backend: 'dns', result: 'failed' })) >= 1);
  assert.ok((await sp.metric('sluice_backend_dials_total', { backend: 'gone', result: 'failed' })) >= 1);

  await a.kill();
  const t0 = performance.now();
  assert.equal(await connectStatus(`${sp.url}/all-down`), 502, 'HTTP 502 instead of an upgrade');
  assert.ok(performance.now() - t0 < 5000, 'the 502 came without waiting for a failover timeout');
  assert.ok((await sp.metric('sluice_handshakes_rejected_total', { status: '502' })) >= 1);
  await assertRecovered(sp, base);
});

test('a backend that accepts TCP but never answers the handshake: handshake-timeout, then the next backend', async (t) => {
  const [hung, a] = await backendsOf(t, [{ id: 'hung', hangHandshake: true }, { id: 'a' }]);
  const sp = await startSluiceProcess(
    { config: { upstream: { backends: [entry(hung, { 'handshake-timeout': '300ms' }), entry(a)] } } },
    t,
  );
  const base = baseline(sp);
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const c = await sp.connect(`/h${i}`);
    times.push(performance.now() - t0);
    assert.equal(await reply(c, 'x'), 'a|x');
    await c.close();
  }
  assert.ok(hung.requests.length >= 1, 'the hung backend was tried');
  const slow = times.filter((ms) => ms >= 290);
  assert.ok(slow.length >= 1, `some session waited for the handshake timeout (${times.map(Math.round)})`);
  assert.ok(Math.max(...times) < 3000, `no session waited much past the timeout (${times.map(Math.round)})`);
  assert.ok((await sp.metric('sluice_backend_dials_total', { backend: 'hung', result: 'timeout' })) >= 1);
  await assertRecovered(sp, base);
});

for (const status of [500, 503]) {
  test(`a ${status} handshake answer: the next backend serves and the breaker counts it`, async (t) => {
    const [bad, a] = await backendsOf(t, [{ id: 'bad', rejectWith: status }, { id: 'a' }]);
    const sp = await startSluiceProcess(
      { config: { upstream: { backends: [entry(bad, { 'breaker-threshold': 2 }), entry(a)] } } },
      t,
    );
    const base = baseline(sp);
    for (let i = 0; i < 6; i++) {
      const c = await sp.connect(`/r${i}`);
      assert.equal(await reply(c, 'x'), 'a|x');
      await c.close();
    }
    assert.ok((await sp.metric('sluice_backend_dials_total', { backend: 'bad', result: 'failed' })) >= 2);
    await waitUntil(
      async () => (await sp.metric('sluice_backend_breaker_open', { backend: 'bad' })) === 1,
      'the breaker of the failing backend to open',
    );
    assert.ok(
      bad.requests.length <= 3,
      `a tripped breaker stops the dials (${bad.requests.length} requests)`,
    );
    await assertRecovered(sp, base);
  });
}

for (const status of [401, 403]) {
  test(`a ${status} on first connect goes to the client as is; mid-session it closes the session with 1008; no retry loop`, async (t) => {
    const [a, auth] = await backendsOf(t, [{ id: 'a' }, { id: 'auth', rejectWith: status }]);
    const sp = await startSluiceProcess({ config: { upstream: { backends: [entry(a), entry(auth)] } } }, t);
    const base = baseline(sp);

    // round-robin: one of two new sessions picks the declining backend and gets its status
    const first = await connectStatus(`${sp.url}/first`);
    const second = await connectStatus(`${sp.url}/second`);
    assert.deepEqual([first, second].sort(), [101, status].sort());
    const declined = first === status ? '/first' : '/second';

    // a session on a; a dies; the only other backend declines the reconnect
    // (round-robin may give the next one to the declining backend: then the one after is on a)
    const c = await sp.connect('/mid').catch(() => sp.connect('/mid'));
    assert.equal(await reply(c, 'x'), 'a|x');
    // a's stdout is ordered: once /mid shows there, a retry of the declined path would too
    await a.waitFor(() => a.requests.includes('/mid'), 'the /mid handshake');
    await auth.waitFor(() => auth.requests.includes(declined), 'the declined request');
    assert.deepEqual(
      auth.requests.filter((p) => p !== '/mid'),
      [declined],
      'the declining backend was asked once',
    );
    assert.equal(a.requests.includes(declined), false, 'the decline was not retried on the other backend');
    const asked = auth.requests.length;
    await a.kill();
    const closed = await c.waitClose(5000);
    assert.equal(closed.code, 1008, 'an auth decline on reconnect is not an outage: 1008');
    await auth.waitFor(() => auth.requests.length > asked, 'the reconnect try');
    assert.equal(auth.requests.length, asked + 1, 'exactly one reconnect try, no loop');
    assert.ok((await sp.metric('sluice_failovers_total', { result: 'declined' })) >= 1);
    await assertRecovered(sp, base);
  });
}
