// The breaker and a flapping backend (FAULTS.md §3.43, docs/balancer.md "Circuit breaker"): a
// connection the backend drops within its flap-window after the handshake (an abnormal close code
// or a lost TCP connection) is a failed dial, so the breaker opens and new sessions stop going
// there, while the sessions it dropped fail over without the client noticing. A normal close, a
// client that leaves, or `flap-window: 0s` never count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectStatus } from '../helpers/client.ts';
import { type Harness, harness } from '../helpers/harness.ts';
import { promSample } from '../helpers/process-sluice.ts';
import type { TestBackend } from '../helpers/test-backend.ts';
import { waitUntil } from '../helpers/wait.ts';

const THRESHOLD = 2;

/** Opens `n` sessions one after another; each must echo (whatever backend it ends up on). */
async function sessions(h: Harness, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const c = await h.connect(`/${tag}${i}`);
    await c.echo(`${tag}${i}`);
    assert.equal(c.closed, undefined, `session ${tag}${i} was closed`);
    await c.close();
  }
}

async function breakerOpen(h: Harness, b: TestBackend): Promise<number> {
  return promSample((await h.admin.get('/metrics')).text, 'sluice_backend_breaker_open', { backend: b.id });
}

/** Two backends (a flapper first, a healthy one second), the flapper's breaker at THRESHOLD. */
async function world(t: Parameters<typeof harness>[0], backendKeys: Record<string, unknown> = {}) {
  const h = await harness(t, {
    backends: 2,
    config: (bs) => ({
      upstream: {
        'failover-timeout': '2s',
        backends: [
          { url: bs[0].url, 'breaker-threshold': THRESHOLD, 'handshake-timeout': '1s', ...backendKeys },
          { url: bs[1].url, 'breaker-threshold': 100000, 'handshake-timeout': '1s' },
        ],
      },
    }),
  });
  const [flapper, good] = h.backends;
  return { h, flapper, good };
}

for (const [how, flap] of [
  ['closes with 1011', (b: TestBackend) => (b.options.closeOnOpen = 1011)],
  // next tick: the 101 is on the wire first, so the proxy's handshake completes, then the drop
  [
    'drops the TCP connection',
    (b: TestBackend) => b.events.on('handshake', () => setImmediate(() => b.destroyAll())),
  ],
] as const) {
  test(`a backend that ${how} right after each handshake trips its breaker; its sessions fail over unnoticed`, async (t) => {
    const { h, flapper, good } = await world(t);
    flap(flapper);
    await sessions(h, 6, 'a');
    const entry = await h.admin.backend(flapper.id);
    assert.equal(entry.tripped, true, 'the flapper is tripped');
    assert.ok(entry.totalFailures >= THRESHOLD, `flapper failures ${entry.totalFailures}`);
    assert.equal(await breakerOpen(h, flapper), 1);
    assert.equal((await h.admin.backend(good.id)).tripped, false);
    assert.equal(await breakerOpen(h, good), 0);
    const metrics = (await h.admin.get('/metrics')).text;
    const dials = promSample(metrics, 'sluice_backend_dials_total', {
      backend: flapper.id,
      result: 'success',
    });
    assert.ok(dials >= THRESHOLD, `every flap followed a completed handshake (${dials} successful dials)`);
    // tripped: new sessions go straight to the healthy backend (the breaker's backoff is ≥ 250 ms;
    // a half-open trial may still reach the flapper once, and fails over like the others)
    const before = flapper.handshakes.length;
    const goodBefore = good.handshakes.length;
    await sessions(h, 6, 'b');
    assert.ok(
      flapper.handshakes.length - before <= 1,
      `${flapper.handshakes.length - before} reached the flapper`,
    );
    assert.ok(good.handshakes.length - goodBefore >= 6);
  });
}

test('a tripped flapper whose half-open trial flaps again is tripped again at once', async (t) => {
  const { h, flapper } = await world(t);
  flapper.options.closeOnOpen = 1011;
  await sessions(h, 6, 'a');
  assert.equal((await h.admin.backend(flapper.id)).tripped, true);
  const failures = (await h.admin.backend(flapper.id)).totalFailures;
  // New sessions until the breaker lets a trial through (after 250–750 ms); it flaps.
  const trials = flapper.handshakes.length;
  let n = 0;
  await waitUntil(
    async () => {
      await sessions(h, 1, `trial${n++}`);
      return flapper.handshakes.length > trials;
    },
    'a half-open trial to reach the flapper',
    3000,
    20,
  );
  const entry = await waitUntil(
    async () => {
      const e = await h.admin.backend(flapper.id);
      return e.totalFailures > failures ? e : false;
    },
    'the trial to be counted',
    2000,
    10,
  );
  assert.equal(entry.tripped, true, 'one flapped trial trips it again (no new run of THRESHOLD failures)');
  assert.equal(await breakerOpen(h, flapper), 1);
});

test('a normal close right after the handshake, or a client that leaves at once, never counts', async (t) => {
  const { h, flapper, good } = await world(t);
  assert.equal((await h.admin.action(`/backend/disable/${good.id}`)).status, 200); // all to the flapper
  flapper.options.closeOnOpen = 1000;
  for (let i = 0; i < 4; i++) {
    const c = h.client(`/normal${i}`);
    // the client may see the 1000 close right after opening; either way it is passed through
    await c.open().catch(() => {});
    assert.equal((await c.waitClose(5000)).code, 1000);
  }
  flapper.options.closeOnOpen = undefined;
  for (let i = 0; i < 4; i++) assert.equal(await connectStatus(`${h.sluice.url}/leave${i}`), 101);
  const entry = await h.admin.backend(flapper.id);
  assert.equal(entry.totalFailures, 0);
  assert.equal(entry.tripped, false);
});

test('flap-window: 0s turns flap counting off (the sessions still fail over)', async (t) => {
  const { h, flapper } = await world(t, { 'flap-window': '0s' });
  flapper.options.closeOnOpen = 1011;
  await sessions(h, 6, 'a');
  assert.ok(flapper.handshakes.length >= THRESHOLD, 'the flapper took sessions');
  const entry = await h.admin.backend(flapper.id);
  assert.equal(entry.totalFailures, 0);
  assert.equal(entry.tripped, false);
  assert.equal((await h.admin.config(flapper.id))['flap-window'], '0s');
});
