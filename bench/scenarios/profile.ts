// --profile: where Sluice spends its time and memory. V8's CPU profiler (what `node --cpu-prof`
// uses) is attached through the inspector to the proxy process and the valve host — the valve
// host is SIGKILLed by its supervisor on shutdown, so --cpu-prof would never write its file:
//   1. throughput: sluice-0v and sluice-3v under the 64 B (--profile-size) × 128-connection closed loop;
//   2. reload: sluice-3v at 2,000 msgs/s with POST /pipeline/reload every second;
//   3. memory: sluice-0v and sluice-3v with 8k idle sessions (sampling heap profiler, after GC).
// The .cpuprofile files go to the results dir (open them in Chrome DevTools → Performance).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchContext, runLoad, split } from '../context.ts';
import { LoadProcess } from '../load/driver.ts';
import { type Inspected, startInspectedSluice } from '../profile/attach.ts';
import { summarizeHeap } from '../profile/heap-summary.ts';
import type { InspectorSession } from '../profile/inspector.ts';
import { summarizeProfile } from '../profile/summary.ts';
import type { MemorySummary, ProfileSummary } from '../results.ts';
import { adminPost } from '../targets/sluice.ts';

const PROFILE_MS = 5000;
const IDLE_SESSIONS = 8000;

/** Runs the CPU profiles; returns one summary per profiled process. */
export async function profileCpu(ctx: BenchContext): Promise<ProfileSummary[]> {
  const out: ProfileSummary[] = [];
  for (const valves of [0, 3] as const) {
    await withInspected(ctx, valves, `throughput-${valves}v`, async (s) => {
      await record(ctx, s, `sluice-${valves}v throughput`, out, () =>
        runLoad(
          ctx,
          s.target,
          (i, n) => ({
            kind: 'closed',
            url: s.target.url,
            conns: split(128, n)[i],
            window: 8,
            size: ctx.opts.profileSize,
            warmupMs: 0,
            durationMs: PROFILE_MS,
          }),
          PROFILE_MS + 60_000,
        ),
      );
    });
  }
  await withInspected(ctx, 3, 'reload-3v', async (s) => {
    await record(ctx, s, 'sluice-3v reload', out, async () => {
      const timers = [1000, 2000, 3000].map((ms) =>
        setTimeout(() => void adminPost(s.target, '/pipeline/reload').catch(() => {}), ms + 300),
      );
      try {
        await runLoad(
          ctx,
          s.target,
          () => ({
            kind: 'open',
            url: s.target.url,
            conns: 100,
            rate: 2000,
            size: 200,
            warmupMs: 300,
            durationMs: 4000,
          }),
          60_000,
          ctx.loads.slice(0, 1),
        );
      } finally {
        for (const t of timers) clearTimeout(t);
      }
    });
  });
  return out;
}

/** Where an idle session's memory goes in the Sluice process (0 and 3 valves). */
export async function profileMemory(ctx: BenchContext): Promise<MemorySummary[]> {
  const out: MemorySummary[] = [];
  for (const valves of [0, 3] as const) {
    await withInspected(ctx, valves, `memory-${valves}v`, async (s) => {
      const usage = 'process.memoryUsage()';
      type Usage = { rss: number; heapUsed: number; external: number; arrayBuffers: number };
      await s.proxy.call('HeapProfiler.collectGarbage');
      const before = await s.proxy.evaluate<Usage>(usage);
      await s.proxy.startHeapSampling();
      const holder = LoadProcess.start('memory-idle');
      try {
        await new Promise<void>((resolve, reject) => {
          holder
            .run({ kind: 'idle', url: s.target.url, conns: IDLE_SESSIONS }, 300_000, {
              onOpened: () => resolve(),
            })
            .catch(reject);
        });
        await new Promise((r) => setTimeout(r, 500));
        const heap = await s.proxy.stopHeapSampling();
        const after = await s.proxy.evaluate<Usage>(usage);
        const per = (k: keyof Usage) => Math.round((after[k] - before[k]) / IDLE_SESSIONS);
        const { sites, areas } = summarizeHeap(heap, IDLE_SESSIONS);
        const summary: MemorySummary = {
          target: `sluice-${valves}v`,
          sessions: IDLE_SESSIONS,
          perSession: {
            rss: per('rss'),
            heapUsed: per('heapUsed'),
            external: per('external'),
            arrayBuffers: per('arrayBuffers'),
          },
          sites,
          areas,
        };
        out.push(summary);
        ctx.log(
          `  memory sluice-${valves}v: per session rss ${summary.perSession.rss} B, heap ${summary.perSession.heapUsed} B, external ${summary.perSession.external} B`,
        );
      } finally {
        holder.release();
        await holder.stop();
      }
    });
  }
  return out;
}

async function withInspected(
  ctx: BenchContext,
  valves: 0 | 3,
  label: string,
  fn: (s: Inspected) => Promise<void>,
): Promise<void> {
  const s = await startInspectedSluice(ctx, valves, label);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** Profiles the proxy (and the valve host, if any) while `load` runs; saves and summarizes. */
async function record(
  ctx: BenchContext,
  s: Inspected,
  label: string,
  out: ProfileSummary[],
  load: () => Promise<unknown>,
): Promise<void> {
  const sessions: [string, InspectorSession][] = [['proxy', s.proxy]];
  if (s.host) sessions.push(['valve-host', s.host]);
  await Promise.all(sessions.map(([, x]) => x.startProfile()));
  await load();
  for (const [who, x] of sessions) {
    const prof = await x.stopProfile();
    const file = join(ctx.opts.resultsDir, `${label.replace(/\s+/g, '-')}-${who}.cpuprofile`);
    writeFileSync(file, JSON.stringify(prof));
    const summary = summarizeProfile(`${label}: ${who}`, file, prof);
    out.push(summary);
    ctx.log(`  profile ${label} ${who}: ${summary.samples} samples → ${file}`);
  }
}
