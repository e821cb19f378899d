// Throughput: closed loop (a window of messages in flight per connection), 64 B and 4 KiB, 16 and
// 128 connections, every target in turn; repetitions interleave the targets so that a slow patch
// of the machine hits them all.
import { type BenchContext, runLoad, split } from '../context.ts';
import type { ClosedResult } from '../load/protocol.ts';
import type { ThroughputRow } from '../results.ts';
import { median, round } from '../stats.ts';

/** Runs the throughput matrix over ctx.targets. */
export async function throughput(ctx: BenchContext): Promise<ThroughputRow[]> {
  const o = ctx.opts.throughput;
  const rows: ThroughputRow[] = [];
  for (const window of o.windows)
    for (const size of o.sizes)
      for (const conns of o.conns) rows.push(...(await mix(ctx, window, size, conns)));
  return rows;
}

interface Runs {
  rates: number[];
  cpu: ThroughputRow['cpu'][];
  errors: number;
}

/** One payload size × connection count × window, every target, `reps` times. */
async function mix(ctx: BenchContext, window: number, size: number, conns: number): Promise<ThroughputRow[]> {
  const o = ctx.opts.throughput;
  const runs = new Map<string, Runs>();
  const reps = size === 64 && conns === 128 ? Math.max(o.reps, o.headlineReps) : o.reps;
  for (let rep = 0; rep < reps; rep++) {
    for (const t of ctx.targets) {
      const { results, cpu } = await runLoad(
        ctx,
        t,
        (i, n) => ({
          kind: 'closed',
          url: t.url,
          conns: split(conns, n)[i],
          window,
          size,
          warmupMs: o.warmupMs,
          durationMs: o.durationMs,
        }),
        o.warmupMs + o.durationMs + 60_000,
      );
      const closed = results as ClosedResult[];
      const rate = closed.reduce((a, r) => a + r.messages / r.seconds, 0);
      const entry = runs.get(t.name) ?? { rates: [], cpu: [], errors: 0 };
      entry.rates.push(rate);
      entry.cpu.push(cpu);
      const errors = closed.reduce((a, r) => a + r.errors, 0);
      entry.errors += errors;
      if (errors > 0)
        ctx.notes.push(
          `throughput ${size} B × ${conns} conns: ${t.name} had ${errors} socket errors or closes`,
        );
      runs.set(t.name, entry);
      ctx.log(
        `  throughput ${size} B × ${conns} conns × ${window} in flight  ${t.name.padEnd(10)} ${Math.round(rate).toLocaleString('en').padStart(8)} msgs/s`,
      );
    }
  }
  const med = (name: string) => median(runs.get(name)?.rates ?? []);
  const rows: ThroughputRow[] = [];
  for (const t of ctx.targets) {
    const r = runs.get(t.name);
    if (!r) continue;
    const m = med(t.name);
    // the CPU of the repetition whose rate is the median
    const at = r.rates.indexOf(r.rates.slice().sort((a, b) => a - b)[Math.floor((r.rates.length - 1) / 2)]);
    rows.push({
      size,
      conns,
      window,
      target: t.name,
      msgsPerSec: Math.round(m),
      runs: r.rates.map(Math.round),
      vsDirect: round(m / med('direct'), 2),
      vsNginx: round(m / med('nginx'), 2),
      cpu: r.cpu[at] ?? {},
      cpuUsPerMsg: cpuPerMsg(r.cpu[at], r.rates[at]),
      errors: r.errors,
    });
  }
  return rows;
}

/** µs of proxy + valve host CPU per echoed message; NaN for direct (no proxy). */
function cpuPerMsg(cpu: ThroughputRow['cpu'] | undefined, rate: number): number {
  if (!cpu || cpu.proxy === undefined || rate <= 0) return Number.NaN;
  const pct = cpu.proxy + (cpu.host ?? 0);
  return pct === 0 ? Number.NaN : round((pct / 100 / rate) * 1e6, 2);
}
