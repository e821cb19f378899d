// A soak of a real Sluice process: 500 sessions of numbered traffic (paced and bursty) over 3
// backend processes, with random backend kills and restarts, SIGSTOP/SIGCONT, valve reloads,
// admin actions (failover, disable/enable) and slow clients, for N minutes. At the end it prints
// sessions alive, messages lost (inside and outside failover windows) / duplicated / reordered,
// RSS and fd drift of the Sluice process and valve host restarts; exit 1 if an invariant broke.
//
//   npm run soak -- --minutes 10 [--sessions 500] [--seed N]
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Socket } from 'node:net';
import type { ProcessBackend } from '../test/helpers/process-backend.ts';
import { startProcessBackends } from '../test/helpers/process-backend.ts';
import { startSluiceProcess } from '../test/helpers/process-sluice.ts';
import { mb } from '../test/faults/lib/invariants.ts';
import { analyze, Fleet, type NumberedClient } from '../test/faults/lib/numbered.ts';
import { tagValve } from '../test/faults/lib/reload.ts';
import { Rng } from '../test/faults/lib/rng.ts';
import { Scope } from '../test/faults/lib/setup.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    sessions: { type: 'string', default: '500' },
    seed: { type: 'string' },
  },
});
const minutes = Number(values.minutes);
const sessions = Number(values.sessions);
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
if (!(minutes > 0) || !(sessions > 0) || !Number.isInteger(seed)) {
  console.error('usage: npm run soak -- --minutes 10 [--sessions 500] [--seed N]');
  process.exit(2);
}

const rng = new Rng(seed);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
/** Periods when a backend was dead or frozen: losses of messages sent then are at-most-once. */
const windows: { from: number; to: number }[] = [];
const counts = { kills: 0, stops: 0, reloads: 0, admin: 0, slow: 0, bursts: 0, churned: 0, errors: 0 };
/** What the chaos did and when (performance.now()), to explain a loss outside the windows. */
const events: { at: number; what: string }[] = [];
const note = (what: string) => events.push({ at: performance.now(), what });
/** Sessions the soak itself closed (churn): their close is expected. */
const churned = new Set<NumberedClient>();

interface Chaos {
  backends: ProcessBackend[];
  fleet: Fleet;
  bursty: Set<NumberedClient>;
  /** The sessions the pacer sends on (churn replaces some). */
  paced: NumberedClient[];
  url: string;
  reload(): void;
  admin: { post(path: string): Promise<unknown> };
}

const scope = new Scope();
let exitCode = 1;
try {
  exitCode = await soak();
} catch (err) {
  console.error(`soak: ${err instanceof Error ? err.stack : err}`);
} finally {
  await scope.run();
}
process.exit(exitCode);

async function soak(): Promise<number> {
  log(`soak: seed ${seed}, ${minutes} min, ${sessions} sessions`);
  const backends = await startProcessBackends(scope, 3);
  let version = 1;
  const sp = await startSluiceProcess(
    {
      config: {
        server: { 'logging-level': 'warn' },
        upstream: {
          'failover-timeout': '10s',
          'max-reconnects': 1000, // chaos fails sessions over far more often than real life
          backends: backends.map((b) => ({
            id: b.options.id,
            url: b.url,
            'handshake-timeout': '1s',
            'ping-time': '500ms',
            'pong-timeout': '500ms',
            'breaker-threshold': 1000,
          })),
        },
        pipeline: [{ valve: './v.js', timeout: '50ms', 'on-error': 'pass' }],
      },
      files: { 'v.js': tagValve('v1') },
    },
    scope,
  );
  const baseFds = sp.fds();
  const fleet = new Fleet();
  scope.after(() => fleet.close());
  await fleet.open(sp.url, sessions, 50);
  const bursty = new Set(fleet.clients.filter(() => rng.chance(0.1)));
  const paced = fleet.clients.filter((c) => !bursty.has(c));
  const pacer = setInterval(() => {
    for (const c of paced) c.send();
  }, 200);
  scope.after(async () => clearInterval(pacer));
  await sleep(3000);
  const start = { rss: sp.rss(), fds: sp.fds(), restarts: (await sp.pipeline()).hostRestarts };
  log(`warm: RSS ${mb(start.rss)}, ${start.fds} fds, ${fleet.clients.length} sessions`);

  const began = performance.now();
  const deadline = began + minutes * 60_000;
  // RSS follows V8's GC sawtooth: compare the lows of the first and last fifth of the run
  const rssSamples: { at: number; rss: number }[] = [];
  const sampler = setInterval(() => {
    if (sp.alive()) rssSamples.push({ at: performance.now(), rss: sp.rss() });
  }, 2000);
  scope.after(async () => clearInterval(sampler));
  let lastReport = performance.now();
  while (performance.now() < deadline) {
    await sleep(rng.range(1500, 4000));
    try {
      await chaos(rng.int(7), {
        backends,
        fleet,
        bursty,
        paced,
        url: sp.url,
        reload: () => {
          version++;
          sp.writeAtomic('v.js', tagValve(`v${version}`));
        },
        admin: sp.admin,
      });
    } catch (err) {
      counts.errors++;
      log(`chaos step failed: ${err instanceof Error ? err.message : err}`);
    }
    if (!sp.alive()) break;
    if (performance.now() - lastReport > 30_000) {
      lastReport = performance.now();
      const alive = fleet.clients.filter((c) => c.closed === undefined).length;
      log(`${alive} alive, RSS ${mb(sp.rss())}, ${sp.fds()} fds, ${JSON.stringify(counts)}`);
    }
  }

  // settle: every backend up and running, traffic stopped, every last echo back
  clearInterval(pacer);
  for (const b of backends) {
    if (!b.running) await b.start();
    else b.signal('SIGCONT');
  }
  for (const b of backends) await sp.admin.post(`/backend/enable/${b.options.id}`);
  await sleep(2000);
  windows.push({ from: performance.now() - 12_000, to: performance.now() });
  await fleet.waitSettled(30_000).catch((err: Error) => log(`settle: ${err.message}`));
  clearInterval(sampler);
  const end = {
    rss: sp.rss(),
    fds: sp.fds(),
    restarts: (await sp.pipeline().catch(() => ({ hostRestarts: -1 }))).hostRestarts,
  };
  const fifth = (deadline - began) / 5;
  const low = (from: number, to: number) =>
    Math.min(...rssSamples.filter((x) => x.at >= from && x.at <= to).map((x) => x.rss));
  const firstLow = low(began, began + fifth);
  const lastLow = low(deadline - fifth, deadline);
  if (Number.isFinite(firstLow) && Number.isFinite(lastLow)) {
    start.rss = firstLow;
    end.rss = lastLow;
  }
  const code = report(sp.alive(), sp.pid, fleet.clients, start, end, baseFds);
  if (code !== 0) {
    const file = join(tmpdir(), `sluice-soak-${seed}.log`);
    writeFileSync(file, sp.logs.map((l) => JSON.stringify(l)).join('\n'));
    console.log(`  the Sluice process's log (warn and above): ${file}`);
  }
  return code;
}

/** One random chaos action. */
async function chaos(kind: number, x: Chaos): Promise<void> {
  const { backends, fleet, bursty, admin } = x;
  const b = rng.pick(backends);
  const others = backends.filter((x) => x !== b);
  if (kind === 0 && others.every((x) => x.running)) {
    const from = performance.now();
    await b.kill();
    note(`kill ${b.options.id}`);
    counts.kills++;
    await sleep(rng.range(500, 3000));
    await b.start();
    note(`restart ${b.options.id}`);
    windows.push({ from: from - 1000, to: performance.now() + 12_000 });
  } else if (kind === 1 && b.running) {
    const from = performance.now();
    b.signal('SIGSTOP');
    note(`stop ${b.options.id}`);
    counts.stops++;
    await sleep(rng.range(1000, 2500));
    b.signal('SIGCONT');
    note(`cont ${b.options.id}`);
    windows.push({ from: from - 1000, to: performance.now() + 12_000 });
  } else if (kind === 2) {
    x.reload();
    note('valve reload');
    counts.reloads++;
  } else if (kind === 3) {
    counts.admin++;
    const action = rng.pick(['failover', 'disable']);
    await admin.post(`/backend/${action}/${b.options.id}`);
    note(`admin ${action} ${b.options.id}`);
    if (action === 'disable') {
      await sleep(rng.range(500, 2000));
      await admin.post(`/backend/enable/${b.options.id}`);
      note(`admin enable ${b.options.id}`);
    }
  } else if (kind === 4) {
    // slow clients: stop reading for a while (well under stall-timeout)
    const slow = Array.from({ length: 10 }, () => rng.pick(fleet.clients));
    const sockets = slow.map((c) => (c.ws as unknown as { _socket?: Socket })._socket);
    for (const s of sockets) s?.pause();
    note(`slow clients ${slow.map((c) => c.conn).join(',')}`);
    counts.slow += slow.length;
    await sleep(rng.range(500, 2000));
    for (const s of sockets) s?.resume();
  } else if (kind === 5) {
    for (const c of bursty) for (let i = 0; i < 50; i++) c.send();
    note('burst');
    counts.bursts++;
  } else {
    // churn: 20 sessions end (once their last echo is back), 20 new ones start
    const leaving = x.paced.splice(0, 20);
    await fleet.waitSettled(5000, leaving).catch(() => undefined);
    for (const c of leaving) {
      churned.add(c);
      c.ws.close(1000);
    }
    x.paced.push(...(await fleet.open(x.url, leaving.length)));
    note(`churn ${leaving.map((c) => c.conn).join(',')}`);
    counts.churned += leaving.length;
  }
}

function report(
  alive: boolean,
  pid: number,
  clients: NumberedClient[],
  start: { rss: number; fds: number; restarts: number },
  end: { rss: number; fds: number; restarts: number },
  baseFds: number,
): number {
  let sent = 0;
  let lostIn = 0;
  let lostOut = 0;
  let duplicates = 0;
  let reordered = 0;
  const outside: { conn: number; seq: number; at: number }[] = [];
  const inWindow = (t: number) => windows.some((w) => t >= w.from && t <= w.to);
  for (const c of clients) {
    const d = analyze(c);
    sent += c.sent;
    duplicates += d.duplicates;
    reordered += d.reordered;
    for (const s of d.lost) {
      if (inWindow(c.sentAt[s])) lostIn++;
      else {
        lostOut++;
        if (outside.length < 10) outside.push({ conn: c.conn, seq: s, at: c.sentAt[s] });
      }
    }
  }
  const kept = clients.filter((c) => !churned.has(c));
  const open = kept.filter((c) => c.closed === undefined).length;
  const closedCodes = kept.filter((c) => c.closed).map((c) => c.closed?.code);
  const rssDrift = end.rss - start.rss;
  const fdDrift = end.fds - start.fds;
  const restarts = end.restarts - start.restarts;
  const broken: string[] = [];
  if (!alive) broken.push('the Sluice process died');
  if (open < kept.length)
    broken.push(`${kept.length - open} sessions closed (codes ${[...new Set(closedCodes)]})`);
  if (lostOut > 0) broken.push(`${lostOut} messages lost outside failover windows`);
  if (duplicates > 0) broken.push(`${duplicates} duplicated`);
  if (reordered > 0) broken.push(`${reordered} reordered`);
  if (fdDrift > 20) broken.push(`fd drift +${fdDrift}`);
  if (rssDrift > 128 * 1024 * 1024) broken.push(`RSS drift +${mb(rssDrift)}`);
  if (restarts !== 0) broken.push(`${restarts} valve host restarts`);
  console.log(
    [
      `soak: ${minutes} min, seed ${seed}`,
      `  sessions: ${open} of ${kept.length} alive (and ${churned.size} ended on purpose by churn)`,
      `  messages: ${sent} sent; lost ${lostIn + lostOut} (${lostIn} inside failover windows, ${lostOut} outside); duplicated ${duplicates}; reordered ${reordered}`,
      `  sluice pid ${pid} ${alive ? 'alive' : 'DEAD'}: RSS (lows of the first and last fifth) ${mb(start.rss)} → ${mb(end.rss)} (${rssDrift >= 0 ? '+' : ''}${mb(rssDrift)}), fds ${start.fds} → ${end.fds} (${fdDrift >= 0 ? '+' : ''}${fdDrift}; ${baseFds} before any session)`,
      `  valve host restarts: ${restarts}`,
      `  chaos: ${counts.kills} kills, ${counts.stops} stops, ${counts.reloads} valve reloads, ${counts.admin} admin actions, ${counts.slow} slow-client pauses, ${counts.bursts} bursts, ${counts.churned} sessions churned, ${counts.errors} failed steps`,
      broken.length ? `  FAIL: ${broken.join('; ')}` : '  PASS',
    ].join('\n'),
  );
  for (const o of outside) {
    const near = events
      .filter((e) => Math.abs(e.at - o.at) < 5000)
      .map((e) => `${((e.at - o.at) / 1000).toFixed(1)}s ${e.what}`);
    console.log(
      `  lost outside a window: conn ${o.conn} seq ${o.seq}; chaos within 5 s: ${near.join('; ') || 'none'}`,
    );
  }
  return broken.length ? 1 : 0;
}
