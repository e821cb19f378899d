// Renders one run's results as markdown (stdout and docs/performance.md).
import type { CpuUse } from './proc-stats.ts';
import type { BenchResults } from './results.ts';

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '—');
const f = (x: number, d = 2) =>
  Number.isFinite(x) ? x.toFixed(d) : x === Number.POSITIVE_INFINITY ? '∞' : '—';
const size = (b: number) => (b >= 1024 ? `${b / 1024} KiB` : `${b} B`);
const cpu = (c: CpuUse, k: string) =>
  c[k] === undefined ? '—' : c[k] === 0 && k === 'host' ? '—' : `${Math.round(c[k])}`;

function table(head: string[], rows: (string | number)[][]): string {
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

const CPU_HEAD = ['CPU proxy', 'CPU valve host', 'CPU echo', 'CPU load gen', 'CPU softirq', 'CPU others'];
const cpuCells = (c: CpuUse) => [
  cpu(c, 'proxy'),
  cpu(c, 'host'),
  cpu(c, 'echo'),
  cpu(c, 'loadgen'),
  cpu(c, 'softirq'),
  cpu(c, 'others'),
];
const waitCell = (c: CpuUse) =>
  `${c.proxyWait === undefined ? '—' : f(c.proxyWait, 0)} / ${c.hostWait === undefined ? '—' : f(c.hostWait, 0)}`;

/** The run as markdown: machine line, one table per scenario, the bars. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(
    `**${r.mode} run** ${r.startedAt}, ${r.seconds} s — ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Linux ${m.kernel}, ` +
      `Node ${m.node}, ${m.nginx}, ${m.haproxy}; load average at start ${m.loadavg}. ` +
      `Sluice ${r.sluice.commit} (runtime/ of ${r.sluice.root}), ${r.sluice.valves === 'builtin' ? 'built-in valves' : 'bench valves (bench/valves/)'}. ` +
      'CPU columns: % of one core over the measured window (200 % = both cores); "softirq" is the kernel\'s ' +
      'network work (charged to no process); "others" is every other process on the machine (other work sharing it).',
  );
  for (const w of new Set(r.throughput.map((x) => x.window))) {
    out.push(`\n### Throughput (closed loop, ${w} messages in flight per connection; echoed msgs/s)\n`);
    out.push(
      table(
        ['payload', 'conns', 'target', 'msgs/s', '× direct', '× nginx', 'proxy µs CPU / msg', ...CPU_HEAD],
        r.throughput
          .filter((x) => x.window === w)
          .map((x) => [
            size(x.size),
            x.conns,
            x.target,
            n0(x.msgsPerSec),
            f(x.vsDirect),
            f(x.vsNginx),
            f(x.cpuUsPerMsg, 1),
            ...cpuCells(x.cpu),
          ]),
      ),
    );
  }
  if (r.latency.length) {
    const l = r.latency[0];
    out.push(
      `\n### Latency (open loop, ${n0(l.rate)} msgs/s over ${l.conns} connections, ${l.size} B JSON; ms, send → echo)\n`,
    );
    out.push(
      table(
        [
          'target',
          'p50',
          'p99',
          'p99.9',
          'added p50',
          'added p99',
          'added p99.9',
          'lost',
          'p99 by round',
          'run-queue wait ms/s proxy / host',
          ...CPU_HEAD,
        ],
        r.latency.map((x) => [
          x.target,
          f(x.p50, 3),
          f(x.p99, 3),
          f(x.p999, 3),
          f(x.added.p50, 3),
          f(x.added.p99, 3),
          f(x.added.p999, 3),
          x.sent - x.received,
          x.roundP99.map((v) => f(v, 1)).join(', '),
          waitCell(x.cpu),
          ...cpuCells(x.cpu),
        ]),
      ),
    );
  }
  if (r.idle.length) {
    out.push(
      '\n### Idle sessions (RSS growth from before the sessions opened, once settled; proxy + valve host)\n',
    );
    out.push(
      table(
        [
          'target',
          'sessions',
          'growth MiB',
          'proxy MiB',
          'valve host MiB',
          'KiB / session (settled)',
          'KiB / session at open',
          'settled after s',
          'failed',
          'open ms',
        ],
        r.idle.map((x) => [
          x.target,
          x.sessions,
          f(x.growthKb / 1024, 1),
          f(x.proxyKb / 1024, 1),
          f(x.hostKb / 1024, 1),
          f(x.perSessionKb, 1),
          f(x.perSessionAtOpenKb, 1),
          f(x.settledAfterMs / 1000, 1),
          x.failed,
          n0(x.openMs),
        ]),
      ),
    );
  }
  if (r.failover.length) {
    out.push(
      "\n### Failover (100 busy sessions on backend a, SIGKILL a; ms from the kill until each session echoes a message sent after a's sockets closed + 5 ms)\n",
    );
    out.push(
      table(
        [
          'target',
          'recovered',
          'p50 ms',
          'p99 ms',
          'max ms',
          'a closed after',
          'lost: sent later',
          'lost: sent meanwhile',
          'lost: sent before kill',
          'dup',
          'closed',
          'CPU proxy',
          'CPU others',
        ],
        r.failover.map((x) => [
          x.target,
          `${x.recovered}/${x.sessions}`,
          f(x.recoveryP50Ms, 1),
          f(x.recoveryP99Ms, 1),
          f(x.recoveryMaxMs, 1),
          `${f(x.deadAfterMs, 1)} ms`,
          `${x.lostAfter} of ${x.sentAfter}`,
          `${x.lostWindow} of ${x.sentWindow}`,
          `${x.lostBefore} of ${x.sentBefore}`,
          x.duplicates,
          x.closed,
          cpu(x.cpu, 'proxy'),
          cpu(x.cpu, 'others'),
        ]),
      ),
    );
  }
  if (r.reload.length) {
    out.push('\n### Reload (POST /pipeline/reload every second under 2,000 msgs/s)\n');
    out.push(
      table(
        [
          'target',
          'steady p99 ms',
          'p99 of each reload second, ms',
          'worst / steady',
          'reloads ok',
          'failed',
          'each reload took, ms',
          'lost',
        ],
        r.reload.map((x) => [
          x.target,
          f(x.steadyP99, 3),
          x.windowP99.map((v) => f(v, 3)).join(', '),
          f(x.ratio),
          x.reloads,
          x.reloadsFailed,
          x.reloadMs.join(', '),
          x.lost,
        ]),
      ),
    );
  }
  out.push('\n### Bars\n');
  out.push(
    table(
      ['bar', 'measured', 'limit', 'met'],
      r.bars.map((b) => [b.name, b.value, b.limit, b.met === undefined ? '—' : b.met ? 'yes' : '**no**']),
    ),
  );
  if (r.profile?.length) {
    for (const p of r.profile) {
      out.push(`\n### CPU profile: ${p.process} (${p.samples} busy samples; \`${p.file}\`)\n`);
      out.push(`By area (self time): ${p.areas.map((a) => `${a.area} ${a.pct} %`).join(', ')}\n`);
      out.push(
        table(
          ['self %', 'function', 'where'],
          p.top.map((t) => [f(t.selfPct, 1), `\`${t.fn}\``, `\`${t.where}\``]),
        ),
      );
      if (p.runtimeInclusive.length) {
        out.push('\nSluice functions by inclusive time (self + callees):\n');
        out.push(
          table(
            ['total %', 'function', 'where'],
            p.runtimeInclusive.map((t) => [f(t.selfPct, 1), `\`${t.fn}\``, `\`${t.where}\``]),
          ),
        );
      }
    }
  }
  for (const mem of r.memory ?? []) {
    const p = mem.perSession;
    out.push(
      `\n### Memory per idle session: ${mem.target} proxy process (${mem.sessions} sessions, after a full GC)\n`,
    );
    out.push(
      `RSS ${p.rss} B, JS heap ${p.heapUsed} B, external ${p.external} B (of which ArrayBuffers ${p.arrayBuffers} B) per session. ` +
        `Live heap by area: ${mem.areas.map((a) => `${a.area} ${a.bytesPerSession} B`).join(', ')}\n`,
    );
    out.push(
      table(
        ['B / session', 'allocated in', 'where'],
        mem.sites.map((x) => [x.bytesPerSession, `\`${x.fn}\``, `\`${x.where}\``]),
      ),
    );
  }
  if (r.notes.length) out.push(`\nNotes:\n${r.notes.map((n) => `- ${n}`).join('\n')}`);
  return `${out.join('\n')}\n`;
}
