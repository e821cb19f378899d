// `npm run bench [-- --full]`: the load generator, the echo backend and every target in their own
// processes; scenarios throughput, latency, reload (shared targets), idle and failover (fresh
// instances); prints progress on stderr, the markdown table on stdout, and writes
// bench/results/latest.json. See docs/performance.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateBars } from './bars.ts';
import { type BenchContext, sluiceChoice } from './context.ts';
import { LoadProcess } from './load/driver.ts';
import { parseOptions } from './options.ts';
import { installCleanup, onCleanup, stopAll } from './procs.ts';
import { renderMarkdown } from './report.ts';
import type { BenchResults } from './results.ts';
import { failover } from './scenarios/failover.ts';
import { idle } from './scenarios/idle.ts';
import { latency } from './scenarios/latency.ts';
import { profileCpu, profileMemory } from './scenarios/profile.ts';
import { reload } from './scenarios/reload.ts';
import { throughput } from './scenarios/throughput.ts';
import { startEcho } from './targets/echo.ts';
import { ensureProxiesInstalled, proxyVersions } from './targets/ensure-installed.ts';
import { startTarget } from './targets/start.ts';
import type { Target } from './targets/target.ts';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const began = performance.now();
const log = (line: string) =>
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

let opts: ReturnType<typeof parseOptions>;
try {
  opts = parseOptions(process.argv.slice(2), RESULTS);
} catch (err) {
  log((err as Error).message);
  process.exit(2);
}
installCleanup();
// The whole run is bounded: a hung child or scenario cannot keep the bench alive.
const deadline = setTimeout(
  () => {
    log('bench: over its time limit, stopping every child process');
    stopAll(1500).finally(() => process.exit(1));
  },
  (opts.full ? 60 : 10) * 60_000,
);
deadline.unref();

const t0 = performance.now();
const startedAt = new Date().toISOString();
mkdirSync(opts.resultsDir, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
onCleanup(() => rmSync(tmp, { recursive: true, force: true }));
const wantsShared = ['throughput', 'latency', 'reload'].some((s) => opts.scenarios.has(s as never));
const ctx: BenchContext = { opts, tmp, log, echo: undefined as never, targets: [], loads: [], notes: [] };
let exitCode = 0;

try {
  if (opts.targets.has('nginx') || opts.targets.has('haproxy')) ensureProxiesInstalled(log);
  const versions = proxyVersions();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    nginx: versions.nginx,
    haproxy: versions.haproxy,
    loadavg: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  };
  log(`bench: ${opts.full ? 'full' : 'quick'} run on ${machine.cpus} × ${machine.cpuModel}; temp dir ${tmp}`);
  ctx.echo = await startEcho();
  ctx.loads = Array.from({ length: opts.loadProcs }, (_, i) => LoadProcess.start(`load-${i}`));
  const root = opts.sluiceRoot ?? fileURLToPath(new URL('../', import.meta.url));
  const results: Omit<BenchResults, 'bars' | 'seconds'> = {
    startedAt,
    mode: opts.full ? 'full' : 'quick',
    machine,
    sluice: { root, commit: commitOf(root), valves: opts.builtinValves ? 'builtin' : 'bench' },
    throughput: [],
    latency: [],
    idle: [],
    failover: [],
    reload: [],
    notes: ctx.notes,
  };
  if (wantsShared) {
    for (const name of opts.targets) {
      log(`starting ${name}`);
      try {
        ctx.targets.push(await startTarget(name, tmp, ctx.echo, sluiceChoice(ctx)));
      } catch (err) {
        // the other targets are still measured; the missing one shows in the notes and bars
        const message = err instanceof Error ? err.message : String(err);
        log(`could not start ${name}: ${message}`);
        ctx.notes.push(`target ${name} did not start: ${message.split('\n')[0]}`);
        exitCode = 1;
      }
    }
    if (opts.scenarios.has('throughput')) results.throughput = await attempt('throughput', throughput, []);
    if (opts.scenarios.has('latency')) results.latency = await attempt('latency', latency, []);
    if (opts.scenarios.has('reload')) results.reload = await attempt('reload', reload, []);
    await stopTargets(ctx.targets);
  }
  if (opts.scenarios.has('idle')) results.idle = await attempt('idle', idle, []);
  if (opts.scenarios.has('failover')) results.failover = await attempt('failover', failover, []);
  if (opts.profile) {
    (results as BenchResults).profile = await attempt('profile', profileCpu, []);
    (results as BenchResults).memory = await attempt('memory profile', profileMemory, []);
  }
  if (ctx.notes.some((n) => n.startsWith('scenario '))) exitCode = 1;
  const seconds = Math.round((performance.now() - t0) / 1000);
  const full: BenchResults = { ...results, seconds, bars: evaluateBars(results as BenchResults) };
  const file = join(opts.resultsDir, 'latest.json');
  writeFileSync(file, `${JSON.stringify(full, null, 2)}\n`);
  process.stdout.write(renderMarkdown(full));
  log(`bench: done in ${seconds} s; results in ${file}`);
} catch (err) {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  exitCode = 1;
} finally {
  await stopTargets(ctx.targets).catch(() => {});
  await Promise.all(ctx.loads.map((l) => l.stop())).catch(() => {});
  await ctx.echo?.stop().catch(() => {});
  await stopAll(1500);
}
process.exit(exitCode);

/** Runs one scenario; a failure is logged and noted, and the other scenarios still run. */
async function attempt<T>(name: string, run: (c: BenchContext) => Promise<T>, empty: T): Promise<T> {
  log(`${name}…`);
  try {
    return await run(ctx);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`scenario ${name} failed: ${message}`);
    ctx.notes.push(`scenario ${name} failed: ${message.split('\n')[0]}`);
    return empty;
  }
}

/** `abc1234` or `abc1234+dirty` (uncommitted changes), or `unknown` outside a git checkout. */
function commitOf(dir: string): string {
  const git = (args: string[]) =>
    spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim() ?? '';
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (!head) return 'unknown';
  // --no-optional-locks: a read-only look that does not refresh the index
  const dirty = git([
    '--no-optional-locks',
    'status',
    '--porcelain',
    '--untracked-files=no',
    '--',
    'runtime',
  ]);
  return dirty ? `${head}+dirty` : head;
}

async function stopTargets(targets: Target[]): Promise<void> {
  await Promise.all(targets.splice(0).map((t) => t.stop()));
}
