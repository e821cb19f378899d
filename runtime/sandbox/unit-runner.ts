// Runs a driver batch through one isolate, slice by slice: a hook past its timeout is charged to
// the running valve and the batch goes on; an isolate lost to memory gives every item not yet
// answered the faulting valve's on-error (once), and is rebuilt from the version's sources.
import {
  LOG_LEFTOVER_TIMEOUT,
  EV_CLOSE,
  EV_ERROR,
  KIND_MEMORY,
  KIND_THROW,
  KIND_TIMEOUT,
  OP_ATTACH,
  OP_FROM_BACKEND,
  POLICY_CLOSE,
  STATS_PER_VALVE,
} from './batch-format.ts';
import type { Flat, HostContext, Results } from './host-batch.ts';
import type { HostVersion } from './host-version.ts';
import type { StepInput, StepOutput } from './isolate-unit.ts';

/** Where a unit's results go: local item index → batch bookkeeping. */
export interface UnitSink {
  result(k: number, flat: Flat): void;
  event(k: number, e: unknown[]): void;
  /** A local item whose results were lost with the isolate (after on-error was recorded). */
  lost?(k: number, policy: number): void;
}

/** Runs `input` through unit `u` of `v` to the end, slice by slice, recovering from faults. */
export async function runUnit(
  ctx: HostContext,
  r: Results,
  v: HostVersion,
  u: number,
  input: StepInput,
  sink: UnitSink,
): Promise<void> {
  let unit = v.units[u];
  let first = true;
  let confirmed = 0;
  const n = input.op.length;
  for (;;) {
    let out: StepOutput | null = null;
    const t0 = process.hrtime.bigint();
    try {
      out = unit.step(first ? input : undefined);
    } catch (e) {
      first = false;
      const failure = unit.failureOf(e);
      if (failure === 'timeout') {
        const lostStep = unit.fault(
          KIND_TIMEOUT,
          `ran past its timeout (stopped after ${unit.maxTimeout}ms)`,
        );
        if (lostStep !== null) {
          out = lostStep[0];
          const valve = lostStep[1];
          if (valve >= 0)
            r.logs.push([
              v.id,
              valve,
              LOG_LEFTOVER_TIMEOUT,
              'work left behind by a hook (promise callbacks) ran past the timeout',
            ]);
        }
      } else {
        const faulting = unit.track[0] - 1;
        const valve = faulting >= 0 ? faulting : v.unitValves[u][0];
        const kind = failure === 'memory' ? KIND_MEMORY : KIND_THROW;
        const why =
          failure === 'memory'
            ? `the sandbox ran out of memory (memory-mb ${unit.memoryMb}) and was rebuilt; ctx.state of its sessions is empty again`
            : `the sandbox failed (${String((e as Error)?.message)}) and was rebuilt`;
        ctx.log('warn', `valve sandbox rebuilt: ${why}`, { valve: v.metas[valve].name });
        const policy = v.metas[valve].onError;
        for (let k = confirmed; k < n; k++) {
          const isMsg = input.op[k] <= OP_FROM_BACKEND;
          if (isMsg) sink.event(k, [k, EV_ERROR, valve, kind, policy, v.metas[valve].file, 0, 0, why]);
          if (isMsg && policy !== 1) sink.result(k, []);
          if (policy === POLICY_CLOSE) sink.event(k, [k, EV_CLOSE, 1011, 'valve error']);
          sink.lost?.(k, policy);
        }
        const t = Date.now();
        try {
          unit = await v.rebuildUnit(u, valve);
          await reattach(ctx, r, v, u);
        } catch (err) {
          ctx.log('error', `could not rebuild the valve sandbox: ${(err as Error).message}`, {
            version: v.id,
          });
        }
        ctx.log('info', `valve sandbox rebuilt in ${Date.now() - t}ms`, { version: v.id });
        return;
      }
    }
    first = false;
    addSeconds(r, v, u, Number(process.hrtime.bigint() - t0) / 1e9);
    if (out !== null) {
      const res = out[1];
      for (let k = 0; k < res.length; k += 2) sink.result(res[k] as number, res[k + 1] as Flat);
      for (const e of out[2]) sink.event(e[0] as number, e);
      for (const l of out[3]) r.logs.push([v.id, l[0], l[1], l[2]]);
      confirmed = out[5];
      if (out[0]) {
        addStats(r, v, out[4]);
        return;
      }
    }
    const p = ctx.pause();
    if (p !== undefined) await p;
  }
}

/** After a rebuild: registers the unit's sessions again (empty ctx.state, no open hook). */
async function reattach(ctx: HostContext, r: Results, v: HostVersion, u: number): Promise<void> {
  const op: number[] = [];
  const h: number[] = [];
  const d: string[] = [];
  for (const [handle, s] of v.sessions) {
    if (!v.touches(s.chain, u)) continue;
    op.push(OP_ATTACH);
    h.push(handle);
    d.push(`{"info":${s.infoJson},"chain":${JSON.stringify(s.chain)}}`);
  }
  if (op.length === 0) return;
  const input: StepInput = {
    op: Uint8Array.from(op),
    h: Int32Array.from(h),
    bin: new Uint8Array(op.length),
    d,
    now: Number.NaN,
  };
  await runUnit(ctx, r, v, u, input, { result: () => {}, event: () => {} });
}

function addSeconds(r: Results, v: HostVersion, u: number, s: number): void {
  let a = r.seconds.get(v);
  if (a === undefined) {
    a = new Float64Array(v.units.length);
    r.seconds.set(v, a);
  }
  a[u] += s;
}

function addStats(r: Results, v: HostVersion, stats: Int32Array | null): void {
  if (stats === null) return;
  let a = r.calls.get(v);
  if (a === undefined) {
    a = new Int32Array(v.metas.length * STATS_PER_VALVE);
    r.calls.set(v, a);
  }
  const len = Math.min(a.length, stats.length);
  for (let k = 0; k < len; k++) a[k] += stats[k];
}
