// What every scenario gets: options, the shared echo backend and targets, the load processes, and
// helpers to split a job over the load processes while timing everyone's CPU.
import type { LoadProcess } from './load/driver.ts';
import type { LoadJob, LoadResult, MarkPhase } from './load/protocol.ts';
import type { BenchOptions } from './options.ts';
import { type CpuUse, startCpu, waitQuiet } from './proc-stats.ts';
import type { EchoProcess } from './targets/echo.ts';
import type { SluiceChoice } from './targets/sluice.ts';
import type { Target } from './targets/target.ts';

export interface BenchContext {
  opts: BenchOptions;
  /** This run's temp dir (configs, logs); removed at the end. */
  tmp: string;
  log(line: string): void;
  echo: EchoProcess;
  /** Started once, shared by the throughput, latency and reload scenarios. */
  targets: Target[];
  loads: LoadProcess[];
  /** Notes for the report (a scenario skipped, a target that failed…). */
  notes: string[];
}

/** The Sluice checkout and valves the command line chose. */
export function sluiceChoice(ctx: BenchContext): SluiceChoice {
  return { root: ctx.opts.sluiceRoot, builtin: ctx.opts.builtinValves };
}

/** Splits `total` into `n` near-equal whole parts. */
export function split(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

/**
 * Runs one job per load process (built by `jobFor(share index, process count)`), and measures the
 * CPU of the load processes, the echo backend and the target between the first process's marks.
 */
export async function runLoad(
  ctx: BenchContext,
  target: Target,
  jobFor: (i: number, n: number) => LoadJob,
  timeoutMs: number,
  loads: LoadProcess[] = ctx.loads,
  onMark?: (phase: MarkPhase) => void,
): Promise<{ results: LoadResult[]; cpu: CpuUse }> {
  const busy = await waitQuiet(ctx.opts.quietMs);
  if (busy >= 25) ctx.log(`  (the machine is busy with other work: ${busy} % of a core; measuring anyway)`);
  let stopCpu: (() => CpuUse) | undefined;
  let cpu: CpuUse = {};
  const groups = {
    loadgen: () => loads.map((l) => l.pid),
    echo: () => [ctx.echo.pid],
    proxy: () => target.proxyPids(),
    host: () => target.hostPids(),
  };
  const results = await Promise.all(
    loads.map((l, i) =>
      l.run(jobFor(i, loads.length), timeoutMs, {
        onMark:
          i === 0
            ? (phase) => {
                if (phase === 'start') stopCpu = startCpu(groups);
                else if (stopCpu) cpu = stopCpu();
                onMark?.(phase);
              }
            : undefined,
      }),
    ),
  );
  return { results, cpu };
}
