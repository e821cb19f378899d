// Latency: open loop at a fixed rate (2,000 msgs/s over 100 connections, 200 B JSON) through each
// target, in short rounds that interleave the targets; the added latency is each percentile minus
// the direct connection's.
import { type BenchContext, runLoad } from '../context.ts';
import type { OpenResult } from '../load/protocol.ts';
import type { CpuUse } from '../proc-stats.ts';
import type { LatencyRow } from '../results.ts';
import { type Percentiles, percentiles, round } from '../stats.ts';

/** Runs the latency scenario over ctx.targets (one load process: the rate is low). */
export async function latency(ctx: BenchContext): Promise<LatencyRow[]> {
  const o = ctx.opts.latency;
  const acc = new Map<
    string,
    { latencies: number[]; roundP99: number[]; sent: number; received: number; cpu: CpuUse[] }
  >();
  for (let round = 0; round < o.rounds; round++) {
    for (const t of ctx.targets) {
      const { results, cpu } = await runLoad(
        ctx,
        t,
        () => ({
          kind: 'open',
          url: t.url,
          conns: o.conns,
          rate: o.rate,
          size: o.size,
          // the first round also brings each target to its steady state at this rate
          warmupMs: round === 0 ? o.firstWarmupMs : o.warmupMs,
          durationMs: o.roundMs,
        }),
        o.firstWarmupMs + o.roundMs + 60_000,
        ctx.loads.slice(0, 1),
      );
      const r = results[0] as OpenResult;
      const a = acc.get(t.name) ?? { latencies: [], roundP99: [], sent: 0, received: 0, cpu: [] };
      a.roundP99.push(percentiles(r.latencies).p99);
      for (const x of r.latencies) a.latencies.push(x);
      a.sent += r.sent;
      a.received += r.received;
      a.cpu.push(cpu);
      acc.set(t.name, a);
    }
  }
  const rows: LatencyRow[] = [];
  for (const t of ctx.targets) {
    const a = acc.get(t.name);
    if (!a) continue;
    const p = percentiles(a.latencies);
    ctx.log(
      `  latency ${t.name.padEnd(10)} p50 ${p.p50} ms  p99 ${p.p99} ms  p999 ${p.p999} ms  (${a.received}/${a.sent})`,
    );
    rows.push({
      target: t.name,
      rate: o.rate,
      conns: o.conns,
      size: o.size,
      sent: a.sent,
      received: a.received,
      ...p,
      roundP99: a.roundP99,
      added: p,
      cpu: meanCpu(a.cpu),
    });
  }
  const direct = rows.find((r) => r.target === 'direct');
  for (const r of rows) r.added = direct ? minus(r, direct) : nan();
  return rows;
}

function meanCpu(list: CpuUse[]): CpuUse {
  const out: CpuUse = {};
  for (const c of list) for (const [k, v] of Object.entries(c)) out[k] = (out[k] ?? 0) + v / list.length;
  for (const k of Object.keys(out)) out[k] = round(out[k], 1);
  return out;
}

function minus(a: Percentiles, b: Percentiles): Percentiles {
  return {
    p50: round(a.p50 - b.p50, 3),
    p99: round(a.p99 - b.p99, 3),
    p999: round(a.p999 - b.p999, 3),
    max: round(a.max - b.max, 3),
  };
}

function nan(): Percentiles {
  return { p50: Number.NaN, p99: Number.NaN, p999: Number.NaN, max: Number.NaN };
}
