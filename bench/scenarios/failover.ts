// Failover: Sluice with two echo backends; 100 busy sessions all on backend a (b is disabled
// while they open, then enabled); the load process SIGKILLs a and measures, per session, the time
// until a message sent after the kill is echoed, and which messages never came back.
import { join } from 'node:path';
import { type BenchContext, sluiceChoice } from '../context.ts';
import { LoadProcess } from '../load/driver.ts';
import type { FailoverResult } from '../load/protocol.ts';
import { type CpuUse, startCpu, waitQuiet } from '../proc-stats.ts';
import type { FailoverRow } from '../results.ts';
import { percentiles } from '../stats.ts';
import { startEcho } from '../targets/echo.ts';
import { adminPost, startSluice } from '../targets/sluice.ts';
import type { Target } from '../targets/target.ts';

/** Runs the failover scenario for each Sluice target (nginx and HAProxy do not fail sessions over). */
export async function failover(ctx: BenchContext): Promise<FailoverRow[]> {
  const o = ctx.opts.failover;
  const rows: FailoverRow[] = [];
  const names = [...ctx.opts.targets].filter((n) => n.startsWith('sluice-'));
  for (const name of names) {
    for (let rep = 0; rep < o.reps; rep++) {
      const a = await startEcho('echo-a');
      const b = await startEcho('echo-b');
      const valves = Number(name[7]) as 0 | 1 | 3;
      let t: Target | undefined;
      const load = LoadProcess.start('failover-load');
      try {
        t = await startSluice(join(ctx.tmp, `failover-${name}-${rep}`), {
          valves,
          ...sluiceChoice(ctx),
          backends: [
            { id: 'a', url: a.url },
            { id: 'b', url: b.url },
          ],
        });
        const sluice = t;
        const dis = await adminPost(sluice, '/backend/disable/b');
        if (dis.status !== 200) throw new Error(`POST /backend/disable/b answered ${dis.status} ${dis.body}`);
        const job = {
          kind: 'failover' as const,
          url: sluice.url,
          conns: o.sessions,
          ratePerConn: o.ratePerConn,
          size: o.size,
          killPid: a.pid,
          killUrl: a.url,
          graceMs: o.graceMs,
          killAfterMs: o.killAfterMs,
          afterMs: o.afterMs,
        };
        let stopCpu: (() => CpuUse) | undefined;
        const result = (await load.run(job, 120_000, {
          onOpened: () => {
            adminPost(sluice, '/backend/enable/b').then(
              async (r) => {
                if (r.status !== 200) ctx.notes.push(`failover: POST /backend/enable/b answered ${r.status}`);
                await waitQuiet(ctx.opts.quietMs);
                stopCpu = startCpu({
                  loadgen: () => [load.pid],
                  echo: () => [a.pid, b.pid],
                  proxy: () => sluice.proxyPids(),
                  host: () => sluice.hostPids(),
                });
                load.release();
              },
              () => load.release(),
            );
          },
        })) as FailoverResult;
        const row = toRow(name, result, stopCpu?.() ?? {});
        rows.push(row);
        ctx.log(
          `  failover ${name.padEnd(10)} recovered ${row.recovered}/${row.sessions}, p99 ${row.recoveryP99Ms} ms, max ${row.recoveryMaxMs} ms; sockets closed ${row.deadAfterMs} ms after the kill; lost ${row.lostAfter}/${row.sentAfter} sent later, ${row.lostWindow}/${row.sentWindow} sent meanwhile, ${row.lostBefore}/${row.sentBefore} before`,
        );
      } finally {
        await load.stop();
        await t?.stop();
        await Promise.all([a.stop(), b.stop()]);
      }
    }
  }
  return rows;
}

function toRow(target: string, r: FailoverResult, cpu: CpuUse): FailoverRow {
  // a session that never recovered counts as infinitely slow
  const p = percentiles(r.recoveryMs.map((x) => (x < 0 ? Number.POSITIVE_INFINITY : x)));
  return {
    target,
    sessions: r.sessions,
    recovered: r.recoveryMs.filter((x) => x >= 0).length,
    recoveryP50Ms: p.p50,
    recoveryP99Ms: p.p99,
    recoveryMaxMs: p.max,
    deadAfterMs: Math.round(r.deadAfterMs * 10) / 10,
    sentBefore: r.sentBefore,
    sentWindow: r.sentWindow,
    lostWindow: r.lostWindow,
    lostBefore: r.lostBefore,
    sentAfter: r.sentAfter,
    lostAfter: r.lostAfter,
    duplicates: r.duplicates,
    closed: r.closed,
    cpu,
  };
}
