// Encodes a batch's verdicts into one result frame (layout in batch-format.ts). Runs in the host.
import {
  EV_CLOSE,
  EV_DELAY,
  EV_ERROR,
  EV_INJECT,
  FLAG_CLOSE,
  FLAG_DELAY,
  FLAG_ERRORS,
  FLAG_FORWARD,
  FLAG_INJECT,
  STATS_PER_VALVE,
} from './batch-format.ts';
import { FRAME_BATCH_RESULT, FrameWriter } from './frames.ts';
import type { Batch, Flat, Results } from './host-batch.ts';

function writePayload(w: FrameWriter, data: unknown): void {
  if (typeof data === 'string') w.str(data);
  else w.bytes(data as Uint8Array);
}

/** One result frame for the whole batch. */
export function encodeResults(b: Batch, r: Results): Buffer {
  const w = new FrameWriter(FRAME_BATCH_RESULT, 64 + b.n * 2);
  w.u32(b.id);
  w.u32(b.n);
  for (let i = 0; i < b.n; i++) {
    const flat: Flat | undefined = r.fwd[i];
    const evs = r.ev[i];
    let flags = flat === undefined ? 0 : FLAG_FORWARD;
    let injections = 0;
    let errors = 0;
    let close: unknown[] | undefined;
    let delay = 0;
    if (evs !== undefined) {
      for (const e of evs) {
        const t = e[1];
        if (t === EV_INJECT) injections++;
        else if (t === EV_ERROR) errors++;
        else if (t === EV_CLOSE) close ??= e;
        else if (t === EV_DELAY) delay = Math.min(60000, delay + (e[2] as number));
      }
      if (injections > 0) flags |= FLAG_INJECT;
      if (close !== undefined) flags |= FLAG_CLOSE;
      if (delay > 0) flags |= FLAG_DELAY;
      if (errors > 0) flags |= FLAG_ERRORS;
    }
    w.u8(flags);
    if (flat !== undefined) {
      w.u32(flat.length / 2);
      for (let k = 0; k < flat.length; k += 2) {
        w.u8(flat[k] as number);
        writePayload(w, flat[k + 1]);
      }
    }
    if (evs === undefined) continue;
    if (injections > 0) {
      w.u32(injections);
      for (const e of evs) {
        if (e[1] !== EV_INJECT) continue;
        w.u8((e[2] as number) | ((e[3] as number) << 1));
        writePayload(w, e[4]);
      }
    }
    if (close !== undefined) {
      w.u16(close[2] as number);
      w.str(close[3] as string);
    }
    if (delay > 0) w.u32(delay);
    if (errors > 0) {
      w.u32(errors);
      const ver = b.ver[i]?.id ?? 0;
      for (const e of evs) {
        if (e[1] !== EV_ERROR) continue;
        w.u32(ver);
        w.u16(e[2] as number);
        w.u8(e[3] as number);
        w.u8(e[4] as number);
        w.u32(e[6] as number);
        w.u32(e[7] as number);
        w.str(String(e[5]));
        w.str(String(e[8]));
      }
    }
  }
  encodeTrailer(w, r);
  return w.finish();
}

function encodeTrailer(w: FrameWriter, r: Results): void {
  const countAt = w.pos;
  w.u32(0);
  let count = 0;
  for (const [v, calls] of r.calls) {
    const secs = r.seconds.get(v);
    const unitCalls = new Float64Array(v.units.length);
    for (let valve = 0; valve < v.metas.length; valve++) {
      for (let h = 0; h < 5; h++) unitCalls[v.unitOf[valve]] += calls[valve * STATS_PER_VALVE + h * 2];
    }
    for (let valve = 0; valve < v.metas.length; valve++) {
      const u = v.unitOf[valve];
      for (let h = 0; h < 5; h++) {
        const c = calls[valve * STATS_PER_VALVE + h * 2];
        const d = calls[valve * STATS_PER_VALVE + h * 2 + 1];
        if (c === 0 && d === 0) continue;
        w.u32(v.id);
        w.u16(valve);
        w.u8(h);
        w.u32(c);
        w.u32(d);
        w.f64(secs !== undefined && unitCalls[u] > 0 ? (secs[u] * c) / unitCalls[u] : 0);
        count++;
      }
    }
  }
  w.buf.writeUInt32LE(count, countAt);
  w.u32(r.logs.length);
  for (const l of r.logs) {
    w.u32(l[0]);
    w.u16(l[1]);
    w.u8(l[2]);
    w.str(l[3]);
  }
}
