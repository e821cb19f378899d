// The bars, checked against one run's results.
import type { Bar, BenchResults } from './results.ts';

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/** Evaluates every bar the results can answer; a bar with no data has met = undefined. */
export function evaluateBars(r: Omit<BenchResults, 'bars'>): Bar[] {
  const bars: Bar[] = [];
  // the bars are read at the largest window measured (8 by default)
  const window = Math.max(...r.throughput.map((x) => x.window));
  const rows = r.throughput.filter((x) => x.window === window);
  const tp = (target: string, size: number, conns: number) =>
    rows.find((x) => x.target === target && x.size === size && x.conns === conns);
  const worstTp = (target: string) =>
    rows.filter((x) => x.target === target).sort((a, b) => a.vsNginx - b.vsNginx)[0];
  for (const [target, limit] of [
    ['sluice-0v', 0.75],
    ['sluice-3v', 0.6],
  ] as const) {
    const head = tp(target, 64, 128);
    bars.push({
      name: `throughput ${target} vs nginx (64 B, 128 conns, ${window} in flight)`,
      value: head ? `${fmt(head.vsNginx)} × nginx` : 'not run',
      limit: `≥ ${limit} × nginx`,
      met: head ? head.vsNginx >= limit : undefined,
    });
    const worst = worstTp(target);
    bars.push({
      name: `throughput ${target} vs nginx (worst of the 4 mixes, ${window} in flight)`,
      value: worst ? `${fmt(worst.vsNginx)} × nginx (${worst.size} B, ${worst.conns} conns)` : 'not run',
      limit: `≥ ${limit} × nginx`,
      met: worst ? worst.vsNginx >= limit : undefined,
    });
  }
  const lat = r.latency.find((x) => x.target === 'sluice-3v');
  bars.push({
    name: 'added p99 at 2,000 msgs/s, sluice-3v vs direct',
    value: lat ? `${fmt(lat.added.p99, 3)} ms` : 'not run',
    limit: '≤ 1 ms',
    met: lat ? lat.added.p99 <= 1 : undefined,
  });
  const idle8k = r.idle.filter((x) => x.target.startsWith('sluice-') && x.sessions === 8000);
  const worstIdle = idle8k.sort((a, b) => b.perSessionKb - a.perSessionKb)[0];
  bars.push({
    name: 'RSS per idle session at 8k, proxy + valve host (worst Sluice)',
    value: worstIdle ? `${fmt(worstIdle.perSessionKb, 1)} KiB (${worstIdle.target})` : 'not run',
    limit: '≤ 16 KiB',
    met: worstIdle ? worstIdle.perSessionKb <= 16 : undefined,
  });
  const fo = r.failover.slice().sort((a, b) => b.recoveryP99Ms - a.recoveryP99Ms)[0];
  bars.push({
    name: 'failover: every session echoing again, p99 (worst Sluice)',
    value: fo
      ? `${fmt(fo.recoveryP99Ms, 1)} ms (${fo.target}, ${fo.recovered}/${fo.sessions} recovered)`
      : 'not run',
    limit: '≤ 100 ms',
    met: fo ? fo.recoveryP99Ms <= 100 && fo.recovered === fo.sessions : undefined,
  });
  const lost = r.failover.reduce((a, x) => a + x.lostAfter, 0);
  bars.push({
    name: "failover: messages lost among those not yet written (sent after the dead backend's sockets closed)",
    value: r.failover.length ? `${lost} of ${r.failover.reduce((a, x) => a + x.sentAfter, 0)}` : 'not run',
    limit: '0',
    met: r.failover.length ? lost === 0 : undefined,
  });
  const rl = r.reload.slice().sort((a, b) => b.ratio - a.ratio)[0];
  bars.push({
    name: 'reload every second: worst 1 s p99 vs steady p99 (worst Sluice)',
    value: rl
      ? `${fmt(rl.ratio)} × (${fmt(rl.worstP99, 3)} vs ${fmt(rl.steadyP99, 3)} ms, ${rl.target})`
      : 'not run',
    limit: '≤ 2 ×',
    met: rl ? rl.ratio <= 2 && rl.reloadsFailed === 0 : undefined,
  });
  return bars;
}
