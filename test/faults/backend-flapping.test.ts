// FAULTS.md §3.43: a backend process that accepts every session and closes it within 10 ms. A
// session stuck with it fails over at most `max-reconnects` times, then gets 1013; sessions on a
// healthy backend keep flowing meanwhile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProcessBackend } from '../helpers/process-backend.ts';
import { startSluiceProcess } from '../helpers/process-sluice.ts';
import { waitEvent } from '../helpers/wait.ts';
import { assertRecovered, baseline } from './lib/invariants.ts';
import { analyze, Fleet } from './lib/numbered.ts';

const MAX_RECONNECTS = 3;
const VICTIMS = 5;

test('a flapping backend: each session on it is closed with 1013 after max-reconnects, others keep flowing', async (t) => {
  const good = new ProcessBackend({ id: 'g' });
  const flapper = new ProcessBackend({ id: 'f', flapMs: 5 });
  t.after(async () => {
    await Promise.all([good.stop(), flapper.stop()]);
  });
  await Promise.all([good.start(), flapper.start()]);
  const sp = await startSluiceProcess(
    {
      config: {
        upstream: {
          'max-reconnects': MAX_RECONNECTS,
          backends: [
            { id: 'g', url: good.url },
            { id: 'f', url: flapper.url },
          ],
        },
      },
    },
    t,
  );
  const base = baseline(sp);

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

test('the breaker opens for a flapping backend', {
  todo:
    'FAULTS.md §3.43 expects the breaker to open for a backend that accepts and closes within 10 ms, ' +
    'but the breaker counts only dial failures (5xx, refused, timeout; docs/balancer.md "Circuit breaker", ' +
    'and test/integration/breaker.test.ts asserts mid-session drops never trip it): a flap is a successful ' +
    'dial. Needs a design decision (e.g. count a close within N ms of the handshake as a dial failure).',
}, async (t) => {
  const good = new ProcessBackend({ id: 'g' });
  const flapper = new ProcessBackend({ id: 'f', flapMs: 5 });
  t.after(async () => {
    await Promise.all([good.stop(), flapper.stop()]);
  });
  await Promise.all([good.start(), flapper.start()]);
  const sp = await startSluiceProcess(
    {
      config: {
        upstream: {
          backends: [
            { id: 'g', url: good.url },
            { id: 'f', url: flapper.url, 'breaker-threshold': 2 },
          ],
        },
      },
    },
    t,
  );
  for (let i = 0; i < 6; i++) await (await sp.connect(`/s${i}`)).close();
  assert.equal(await sp.metric('sluice_backend_breaker_open', { backend: 'f' }), 1);
});
