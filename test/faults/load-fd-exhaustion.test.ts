// FAULTS.md §3.45: a `sluice run` process with a small open-file limit (ulimit -n 200) gets more
// connections than it has fds for. Extra accepts are closed cleanly, the process stays up, the
// sessions it already has keep flowing, and once fds are free it accepts again, with no breaker
// tripped by its own EMFILE. Slowloris handshakes are cut off by the headers timeout.
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { test } from 'node:test';
import { startProcessBackends } from '../helpers/process-backend.ts';
import { startSluiceProcess } from '../helpers/process-sluice.ts';
import { waitUntil } from '../helpers/wait.ts';
import { assertRecovered, assertSameProcess, baseline } from './lib/invariants.ts';
import { analyze, Fleet } from './lib/numbered.ts';

const FD_LIMIT = 200;

test(`past the fd limit (ulimit -n ${FD_LIMIT}): extra connections are closed, existing sessions flow, it recovers`, async (t) => {
  const backends = await startProcessBackends(t, 1);
  const sp = await startSluiceProcess(
    { config: { upstream: { backends: [{ id: 'a', url: backends[0].url }] } }, fdLimit: FD_LIMIT },
    t,
  );
  const base = baseline(sp);
  const fleet = new Fleet();
  t.after(() => fleet.close());
  // open one at a time until the proxy runs out of fds (each session holds two)
  let refused = 0;
  for (let i = 0; i < FD_LIMIT && refused < 10; i++) {
    await fleet.open(sp.url, 1).catch(() => {
      refused++;
    });
  }
  const live = fleet.clients.filter((c) => c.closed === undefined);
  assert.ok(refused >= 10, 'connections past the limit were refused');
  assert.ok(live.length > FD_LIMIT / 4, `${live.length} sessions were served before the limit`);
  assertSameProcess(sp, base);

  // the sessions it has keep flowing while it is out of fds
  for (let r = 0; r < 3; r++) fleet.tick();
  await fleet.waitSettled(10_000, live);
  for (const c of live) assert.deepEqual(analyze(c).lost, [], `conn ${c.conn}`);

  // free half of them: new sessions are accepted again, and nothing blamed the backend
  const half = live.slice(0, Math.floor(live.length / 2));
  for (const c of half) c.ws.close(1000);
  await waitUntil(() => sp.fds() < FD_LIMIT - 40, 'fds to be released', 10_000);
  const again = new Fleet();
  t.after(() => again.close());
  await again.open(sp.url, 10);
  again.tick();
  await again.waitSettled();
  assert.equal(await sp.metric('sluice_backend_breaker_open', { backend: 'a' }), 0, 'no breaker tripped');
  t.diagnostic(`${live.length} sessions at the limit, ${refused} connections refused`);
  await again.close();
  await fleet.close();
  await assertRecovered(sp, base);
});

test('a slowloris handshake (headers trickled in) is cut off by the frontend read-timeout', async (t) => {
  const backends = await startProcessBackends(t, 1);
  const sp = await startSluiceProcess(
    {
      config: {
        server: { frontend: { 'read-timeout': '1s' } },
        upstream: { backends: [{ id: 'a', url: backends[0].url }] },
      },
    },
    t,
  );
  const base = baseline(sp);
  const { port } = new URL(sp.url);
  const socket = tcpConnect(Number(port), '127.0.0.1');
  socket.on('error', () => {});
  socket.resume(); // read (and ignore) the answer, so the socket sees its end
  await new Promise((resolve) => socket.once('connect', resolve));
  const t0 = performance.now();
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
  // one more header line every 200 ms, never the blank line that ends the head
  let n = 0;
  const drip = setInterval(() => socket.writable && socket.write(`X-Drip-${n++}: y\r\n`), 200);
  t.after(() => clearInterval(drip));
  const closedAfter = await new Promise<number>((resolve) => {
    socket.once('close', () => resolve(performance.now() - t0));
    setTimeout(() => resolve(-1), 45_000).unref();
  });
  clearInterval(drip);
  assert.ok(closedAfter > 0, 'the connection was never closed');
  assert.ok(closedAfter < 5000, `closed after ${closedAfter.toFixed(0)} ms (read-timeout 1s)`);
  const c = await sp.connect('/after');
  await c.close();
  await assertRecovered(sp, base);
});
