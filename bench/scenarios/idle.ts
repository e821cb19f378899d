// Idle: RSS per proxied session. A fresh instance of each proxy; RSS (proxy + valve host) before
// any session, then with 1k and with 8k idle sessions open (two load processes hold them). RSS is
// read right after the opens ("at open") and once it has settled: a burst of handshakes grows
// V8's young generation, which an idle Node process gives back only later (runtime/frontend/
// idle-gc.ts); nginx and HAProxy read the same at both moments.
import { type BenchContext, sluiceChoice } from '../context.ts';
import { LoadProcess } from '../load/driver.ts';
import type { IdleResult } from '../load/protocol.ts';
import { rssKb } from '../proc-stats.ts';
import type { IdleRow } from '../results.ts';
import { startTarget } from '../targets/start.ts';
import type { Target } from '../targets/target.ts';
import { round } from '../stats.ts';

const sum = (pids: number[]) => pids.reduce((a, p) => a + rssKb(p), 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the idle scenario for every proxy target (direct has no proxy to measure). */
export async function idle(ctx: BenchContext): Promise<IdleRow[]> {
  const rows: IdleRow[] = [];
  const names = [...ctx.opts.targets].filter((n) => n !== 'direct' && !ctx.opts.idle.skip.includes(n));
  for (const name of names) {
    const t = await startTarget(name, ctx.tmp, ctx.echo, sluiceChoice(ctx));
    const holders: LoadProcess[] = [];
    try {
      rows.push(...(await measure(ctx, t, holders)));
    } finally {
      for (const h of holders) h.release();
      await Promise.all(holders.map((h) => h.stop()));
      await t.stop();
    }
  }
  return rows;
}

/** Waits until the RSS of `t` has not fallen by 1 % for 2 s (at most `maxMs`); returns the ms waited. */
async function settle(t: Target, maxMs: number): Promise<number> {
  const began = performance.now();
  const samples: number[] = [];
  while (performance.now() - began < maxMs) {
    samples.push(sum(t.proxyPids()) + sum(t.hostPids()));
    if (samples.length >= 5 && samples[samples.length - 5] - samples[samples.length - 1] < samples[0] / 100)
      break;
    await sleep(500);
  }
  return Math.round(performance.now() - began);
}

async function measure(ctx: BenchContext, t: Target, holders: LoadProcess[]): Promise<IdleRow[]> {
  const { counts, settleMs } = ctx.opts.idle;
  await sleep(300);
  const base = { proxy: sum(t.proxyPids()), host: sum(t.hostPids()) };
  const rows: IdleRow[] = [];
  const done: Promise<unknown>[] = [];
  let open = 0;
  for (const total of counts) {
    const holder = LoadProcess.start(`idle-${total}`);
    holders.push(holder);
    const opened = await new Promise<IdleResult>((resolve, reject) => {
      const job = { kind: 'idle' as const, url: t.url, conns: total - open };
      done.push(holder.run(job, 300_000, { onOpened: resolve }).catch(reject));
    });
    open = total;
    await sleep(settleMs);
    const atOpenKb = sum(t.proxyPids()) + sum(t.hostPids()) - base.proxy - base.host;
    const settledAfterMs = settleMs + (await settle(t, ctx.opts.idle.settleMaxMs - settleMs));
    const proxyKb = sum(t.proxyPids()) - base.proxy;
    const hostKb = sum(t.hostPids()) - base.host;
    const growthKb = proxyKb + hostKb;
    const row: IdleRow = {
      target: t.name,
      sessions: total,
      growthKb,
      proxyKb,
      hostKb,
      perSessionKb: round(growthKb / total, 2),
      perSessionAtOpenKb: round(atOpenKb / total, 2),
      settledAfterMs,
      failed: opened.failed,
      openMs: Math.round(opened.ms),
    };
    rows.push(row);
    ctx.log(
      `  idle ${t.name.padEnd(10)} ${total} sessions: +${Math.round(growthKb / 1024)} MiB, ${row.perSessionKb} KiB/session settled after ${settledAfterMs} ms (${row.perSessionAtOpenKb} at open; ${opened.failed} failed, opened in ${row.openMs} ms)`,
    );
  }
  for (const h of holders) h.release();
  await Promise.allSettled(done);
  return rows;
}
