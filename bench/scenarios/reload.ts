// Reload: open loop at 2,000 msgs/s; after a steady stretch the pipeline is reloaded every second
// (POST /pipeline/reload builds a new version in the valve host and moves every session onto it).
// Compares each reload second's p99 with the steady p99.
import { type BenchContext, runLoad } from '../context.ts';
import type { OpenResult } from '../load/protocol.ts';
import type { ReloadRow } from '../results.ts';
import { percentiles, quantile, round, sorted } from '../stats.ts';
import { adminPost } from '../targets/sluice.ts';
import type { Target } from '../targets/target.ts';

/** Runs the reload scenario for the Sluice targets with valves (0 valves: nothing to reload). */
export async function reload(ctx: BenchContext): Promise<ReloadRow[]> {
  const rows: ReloadRow[] = [];
  for (const t of ctx.targets.filter((x) => x.kind === 'sluice' && x.valves > 0)) {
    const row = await reloadOne(ctx, t);
    ctx.log(
      `  reload ${t.name.padEnd(10)} steady p99 ${row.steadyP99} ms, worst reload-second p99 ${row.worstP99} ms (×${row.ratio}), ${row.reloads} reloads (${row.reloadMs.join(', ')} ms), ${row.reloadsFailed} failed`,
    );
    rows.push(row);
  }
  return rows;
}

async function reloadOne(ctx: BenchContext, t: Target): Promise<ReloadRow> {
  const o = ctx.opts.reload;
  const count = Math.floor(o.reloadMs / o.everyMs);
  let reloads = 0;
  let failed = 0;
  const timers: NodeJS.Timeout[] = [];
  const pending: Promise<void>[] = [];
  const took: number[] = [];
  const fire = () => {
    const t0 = performance.now();
    pending.push(
      adminPost(t, '/pipeline/reload').then(
        (r) => {
          took.push(Math.round(performance.now() - t0));
          if (r.status === 200) reloads++;
          else {
            failed++;
            ctx.notes.push(
              `reload ${t.name}: POST /pipeline/reload answered ${r.status} ${r.body.slice(0, 200)}`,
            );
          }
        },
        () => {
          failed++;
        },
      ),
    );
  };
  // The bench's own first fetch() sets up undici (~40 ms of CPU on a shared core): done here, not
  // in the middle of the measured window at the first reload.
  await fetch(`${t.admin}/healthz`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text());
  try {
    const { results } = await runLoad(
      ctx,
      t,
      () => ({
        kind: 'open',
        url: t.url,
        conns: o.conns,
        rate: o.rate,
        size: o.size,
        warmupMs: 1000,
        durationMs: o.steadyMs + o.reloadMs,
      }),
      o.steadyMs + o.reloadMs + 60_000,
      ctx.loads.slice(0, 1),
      (phase) => {
        if (phase !== 'start') return;
        // reloads at the start of each reload second (+50 ms so the window holds the whole effect)
        for (let i = 0; i < count; i++) timers.push(setTimeout(fire, o.steadyMs + i * o.everyMs + 50));
      },
    );
    await Promise.all(pending);
    return { ...summarize(t.name, results[0] as OpenResult, o, reloads, failed), reloadMs: took };
  } finally {
    for (const x of timers) clearTimeout(x);
  }
}

function summarize(
  target: string,
  r: OpenResult,
  o: BenchContext['opts']['reload'],
  reloads: number,
  failed: number,
): Omit<ReloadRow, 'reloadMs'> {
  const steady: number[] = [];
  const windows: number[][] = [];
  for (let i = 0; i < r.latencies.length; i++) {
    const at = r.at[i];
    if (at < o.steadyMs) steady.push(r.latencies[i]);
    else {
      const w = Math.min(Math.floor((at - o.steadyMs) / o.everyMs), Math.floor(o.reloadMs / o.everyMs) - 1);
      windows[w] ??= [];
      windows[w].push(r.latencies[i]);
    }
  }
  const steadyP99 = percentiles(steady).p99;
  const windowP99 = windows.filter((w) => w && w.length > 0).map((w) => round(quantile(sorted(w), 0.99), 3));
  const worstP99 = windowP99.length > 0 ? Math.max(...windowP99) : Number.NaN;
  return {
    target,
    steadyP99,
    windowP99,
    worstP99,
    ratio: round(worstP99 / steadyP99, 2),
    reloads,
    reloadsFailed: failed,
    lost: r.sent - r.received,
  };
}
