// FAULTS.md §3.44: many concurrent proxied echo sessions through one `sluice run` process with a
// valve pipeline: every echo comes back, RSS per connection and latency are reported, the valve
// host runs one sandbox per pipeline version (not one per connection), and once the sessions end
// fds and RSS come back near the baseline. 2,000 sessions by default, 9,000 (FAULTS.md's figure,
// under the 20,000-fd limit) with SLUICE_FAULTS_FULL=1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rssOf } from '../helpers/process-sluice.ts';
import { waitEvent } from '../helpers/wait.ts';
import { assertRecovered, assertSameProcess, mb } from './lib/invariants.ts';
import { analyze, Fleet, latencies, percentile } from './lib/numbered.ts';
import { scaled } from './lib/scale.ts';
import { hostPid, startWorld } from './lib/setup.ts';

const SESSIONS = scaled(2000, 9000);
const ROUNDS = 5;

test(`${SESSIONS} concurrent echo sessions through a valve: 100 % echoed, one sandbox, fds and RSS come back`, async (t) => {
  const { sp, base } = await startWorld(t, {
    // a generous timeout, on-error pass: a starved 2-core machine can run a trivial hook past 50 ms,
    // and a dropped message would be the valve's policy, not the proxy losing it
    pipeline: [{ valve: 'size-limit', with: { maxBytes: 65536 }, timeout: '1s', 'on-error': 'pass' }],
  });
  const host = await hostPid(sp);
  const hostBase = rssOf(host);
  const fleet = new Fleet();
  t.after(() => fleet.close());
  const t0 = performance.now();
  await fleet.open(sp.url, SESSIONS, 100);
  const openMs = performance.now() - t0;

  // ROUNDS messages per session, each round sent at once: every echo must come back
  for (let r = 0; r < ROUNDS; r++) {
    fleet.tick();
    await waitEvent(
      fleet.events,
      'message',
      () => fleet.clients.every((c) => c.seqs.length > r),
      30_000,
      `round ${r}`,
    ).catch(async (err: Error) => {
      const behind = fleet.clients.filter((c) => c.seqs.length <= r);
      const closed = behind.filter((c) => c.closed).map((c) => c.closed?.code);
      const e = behind[0];
      const counters = (await sp.metrics())
        .split('\n')
        .filter((l) =>
          /^sluice_(messages_total|valve_calls_total|valve_errors_total|valve_drops_total|backpressure)/.test(
            l,
          ),
        );
      throw new Error(
        `${err.message}: ${behind.length} sessions without their echo (closed: ${closed.join(',')}); ` +
          `e.g. conn ${e?.conn}, sent ${e?.sent}, other messages [${e?.other.join('|')}], ` +
          `last backend ${e?.lastBackend}\n${counters.join('\n')}`,
      );
    });
  }
  await fleet.waitSettled(30_000);
  for (const c of fleet.clients) {
    const d = analyze(c);
    assert.deepEqual([d.lost.length, d.duplicates, d.reordered], [0, 0, 0], `conn ${c.conn}`);
  }
  const rss = sp.rss();
  const perConn = (rss - base.rss) / SESSIONS;
  const lat = latencies(fleet.clients);
  const p = await sp.pipeline();
  assert.equal(
    (p as { liveVersions?: number[] }).liveVersions?.length ?? 1,
    1,
    'one pipeline version in use',
  );
  const hostGrew = rssOf(host) - hostBase;
  // a sandbox per connection would cost megabytes each
  assert.ok(hostGrew < 64 * 1024 * 1024, `the valve host grew ${mb(hostGrew)} for ${SESSIONS} sessions`);
  assert.ok(perConn < 200 * 1024, `${(perConn / 1024).toFixed(1)} KiB of proxy RSS per connection`);
  assert.ok(sp.fds() >= 2 * SESSIONS, 'each session holds a client and a backend socket');
  assertSameProcess(sp, base);
  t.diagnostic(
    `${SESSIONS} sessions opened in ${openMs.toFixed(0)} ms; ${(perConn / 1024).toFixed(1)} KiB RSS per connection; ` +
      `echo p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms (${SESSIONS} sent at once); ` +
      `valve host +${mb(hostGrew)}`,
  );
  await fleet.close();
  // fds must all come back. V8 keeps the heap it grew for thousands of sessions (and closing them
  // makes garbage of its own), so RSS need only stay near its peak here; the soak's session churn
  // is the leak check.
  const rssSlack = Math.max(96 * 1024 * 1024, 1.5 * (rss - base.rss));
  await assertRecovered(sp, base, { ms: 30_000, rssSlack });
});
