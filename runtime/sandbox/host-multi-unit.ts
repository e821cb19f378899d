// Batches for versions with `isolate: own` valves: a message's chain is cut into segments of
// consecutive valves in the same isolate, and the batch advances segment by segment, one crossing
// per isolate per round. Messages of one session and direction share their segments, so they stay
// in push order. Hooks (open, failover, close) run alone, in each isolate in turn.
import { OP_FROM_BACKEND, POLICY_PASS } from './batch-format.ts';
import { addEvent, type Batch, type Flat, type HostContext, inputOf, type Results } from './host-batch.ts';
import { runUnit } from './unit-runner.ts';
import type { HostVersion } from './host-version.ts';

interface Entry {
  item: number;
  seg: number;
  /** Triples: unit, lo, hi (chain positions [lo, hi)). */
  segs: number[];
  bin: number;
  data: string | Uint8Array | null;
}

/** Runs `items` (batch indices, push order) of a multi-isolate version. */
export async function runMultiUnit(ctx: HostContext, b: Batch, r: Results, v: HostVersion, items: number[]) {
  let run: number[] = [];
  for (const k of items) {
    if (b.op[k] <= OP_FROM_BACKEND) {
      run.push(k);
      continue;
    }
    if (run.length > 0) await runMessages(ctx, b, r, v, run);
    run = [];
    for (let u = 0; u < v.units.length; u++) {
      await runUnit(ctx, r, v, u, inputOf(b, [k]), {
        result: (_, flat) => {
          const prev = r.fwd[k];
          r.fwd[k] = prev === undefined ? flat : prev.concat(flat);
        },
        event: (_, e) => addEvent(r, k, e),
      });
    }
  }
  if (run.length > 0) await runMessages(ctx, b, r, v, run);
}

/** Chain segments for a direction: fromClient top to bottom, fromBackend bottom to top. */
function segmentsOf(v: HostVersion, chain: number[], backward: boolean): number[] {
  const segs: number[] = [];
  const len = chain.length;
  for (let step = 0; step < len; step++) {
    const pos = backward ? len - 1 - step : step;
    const u = v.unitOf[chain[pos]];
    const last = segs.length - 3;
    if (last >= 0 && segs[last] === u) {
      if (backward) segs[last + 1] = pos;
      else segs[last + 2] = pos + 1;
    } else {
      segs.push(u, pos, pos + 1);
    }
  }
  return segs;
}

async function runMessages(ctx: HostContext, b: Batch, r: Results, v: HostVersion, run: number[]) {
  const changed = new Set<number>();
  const finals = new Map<number, Flat>();
  let pending: Entry[] = [];
  for (const item of run) {
    const s = v.sessions.get(b.h[item]);
    if (s === undefined || s.chain.length === 0) continue;
    const segs = segmentsOf(v, s.chain, b.op[item] === OP_FROM_BACKEND);
    pending.push({ item, seg: 0, segs, bin: b.bin[item], data: b.d[item] });
  }
  while (pending.length > 0) {
    const u = pending[0].segs[pending[0].seg * 3];
    const take: Entry[] = [];
    const rest: Entry[] = [];
    for (const e of pending) (e.segs[e.seg * 3] === u ? take : rest).push(e);
    const n = take.length;
    const input = {
      op: new Uint8Array(n),
      h: new Int32Array(n),
      bin: new Uint8Array(n),
      d: new Array<string | Uint8Array | null>(n),
      lo: new Uint16Array(n),
      hi: new Uint16Array(n),
      now: b.now,
    };
    for (let k = 0; k < n; k++) {
      const e = take[k];
      input.op[k] = b.op[e.item];
      input.h[k] = b.h[e.item];
      input.bin[k] = e.bin;
      input.d[k] = e.data;
      input.lo[k] = e.segs[e.seg * 3 + 1];
      input.hi[k] = e.segs[e.seg * 3 + 2];
    }
    const outs: (Flat | undefined)[] = new Array(n);
    const lost: (number | undefined)[] = new Array(n);
    await runUnit(ctx, r, v, u, input, {
      result: (k, flat) => {
        outs[k] = flat;
      },
      event: (k, e) => addEvent(r, take[k].item, e),
      lost: (k, policy) => {
        lost[k] = policy;
      },
    });
    const next: Entry[] = [];
    for (let k = 0; k < n; k++) {
      const e = take[k];
      const policy = lost[k];
      if (policy !== undefined && policy !== POLICY_PASS) {
        changed.add(e.item);
        continue;
      }
      const o = outs[k];
      const msgs: Flat = o === undefined ? [e.bin, e.data as string | Uint8Array] : o;
      if (o !== undefined) changed.add(e.item);
      if (e.seg + 1 >= e.segs.length / 3) {
        const f = finals.get(e.item);
        if (f === undefined) finals.set(e.item, msgs.slice());
        else for (const m of msgs) f.push(m);
        continue;
      }
      for (let m = 0; m < msgs.length; m += 2) {
        next.push({
          item: e.item,
          seg: e.seg + 1,
          segs: e.segs,
          bin: msgs[m] as number,
          data: msgs[m + 1] as string,
        });
      }
    }
    pending = rest.concat(next);
  }
  for (const item of changed) r.fwd[item] = finals.get(item) ?? [];
}
