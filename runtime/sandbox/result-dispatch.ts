// Proxy side: turns a result frame into ValveOutcomes and hands them to the sessions in push
// order; also the verdicts for a batch lost with its host (each valve's on-error, exactly once).
import { clampCloseReason } from '../errors.ts';
import { CLOSE_1011, NOTHING, UNCHANGED } from '../pipeline/outcome.ts';
import type { Direction, ValveOutcome, WireMessage } from '../pipeline/types.ts';
import type { ValvePipeline } from '../pipeline/valve-pipeline.ts';
import {
  FLAG_CLOSE,
  FLAG_DELAY,
  FLAG_ERRORS,
  FLAG_FORWARD,
  FLAG_INJECT,
  KIND_HOST_CRASH,
  OP_FAILOVER,
  OP_FROM_BACKEND,
  OP_FROM_CLIENT,
  POLICY_CLOSE,
  POLICY_DROP,
} from './batch-format.ts';
import { FrameCursor } from './frames.ts';
import type { OutBatch } from './out-batch.ts';

/** What dispatch reports back to the valve host (metrics, logs, status). */
export interface DispatchSink {
  valveError(
    version: number,
    valve: number,
    op: number,
    kind: number,
    file: string,
    line: number,
    column: number,
    message: string,
  ): void;
  valveStats(
    version: number,
    valve: number,
    hook: number,
    calls: number,
    drops: number,
    seconds: number,
  ): void;
  valveLog(version: number, valve: number, level: number, text: string): void;
  /** The valve's on-error code, or -1 when it has no hook for `op`. */
  policyOf(version: number, valve: number, op: number): number;
  sessionError(e: unknown): void;
}

const DIRECTIONS: Direction[] = ['fromClient', 'fromBackend'];

function deliver(
  sink: DispatchSink,
  op: number,
  pipe: ValvePipeline,
  msg: WireMessage | undefined,
  o: ValveOutcome,
) {
  const s = pipe.session;
  if (s === undefined) return;
  try {
    if (op <= OP_FROM_BACKEND) s.onPipelineResult(DIRECTIONS[op], msg as WireMessage, o);
    else if (op === OP_FAILOVER) s.onFailoverResult(o);
    else if (o !== NOTHING) s.onHookResult(o);
  } catch (e) {
    sink.sessionError(e);
  }
}

function readMessages(c: FrameCursor): WireMessage[] {
  const n = c.u32();
  const out: WireMessage[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const binary = c.u8() === 1;
    out[k] = { binary, data: c.bytes() };
  }
  return out;
}

/** Decodes a result frame for `batch` and delivers every outcome. */
export function dispatchResults(body: Buffer, batch: OutBatch, sink: DispatchSink): void {
  const c = new FrameCursor(body);
  c.u32(); // batch id
  const n = c.u32();
  for (let i = 0; i < n; i++) {
    const flags = c.u8();
    const op = batch.op[i];
    const pipe = batch.pipe[i];
    if (flags === 0) {
      deliver(sink, op, pipe, batch.msg[i], op <= OP_FROM_BACKEND ? UNCHANGED : NOTHING);
      continue;
    }
    const forward = flags & FLAG_FORWARD ? readMessages(c) : NOTHING.forward;
    let toClient: WireMessage[] | undefined;
    let toBackend: WireMessage[] | undefined;
    if (flags & FLAG_INJECT) {
      const k = c.u32();
      for (let j = 0; j < k; j++) {
        const t = c.u8();
        const m = { binary: (t & 2) !== 0, data: c.bytes() };
        if (t & 1) {
          toBackend ??= [];
          toBackend.push(m);
        } else {
          toClient ??= [];
          toClient.push(m);
        }
      }
    }
    let close: { code: number; reason: string } | undefined;
    if (flags & FLAG_CLOSE) close = { code: c.u16(), reason: clampCloseReason(c.str()) };
    const delayMs = flags & FLAG_DELAY ? c.u32() : 0;
    if (flags & FLAG_ERRORS) {
      const k = c.u32();
      for (let j = 0; j < k; j++) {
        const version = c.u32();
        const valve = c.u16();
        const kind = c.u8();
        c.u8(); // policy applied (the driver already did)
        const line = c.u32();
        const column = c.u32();
        const file = c.str();
        sink.valveError(version, valve, op, kind, file, line, column, c.str());
      }
    }
    const unchanged = (flags & FLAG_FORWARD) === 0 && op <= OP_FROM_BACKEND;
    deliver(sink, op, pipe, batch.msg[i], { unchanged, forward, toClient, toBackend, close, delayMs });
  }
  const stats = c.u32();
  for (let k = 0; k < stats; k++) {
    sink.valveStats(c.u32(), c.u16(), c.u8(), c.u32(), c.u32(), c.f64());
  }
  const logs = c.u32();
  for (let k = 0; k < logs; k++) sink.valveLog(c.u32(), c.u16(), c.u8(), c.str());
}

/** A batch lost with the host: each item gets its valves' on-error (in chain order), once. */
export function failBatch(batch: OutBatch, sink: DispatchSink, why: string): void {
  for (let i = 0; i < batch.n; i++) {
    const op = batch.op[i];
    const pipe = batch.pipe[i];
    const version = pipe.version.id;
    const chain = pipe.chain;
    let outcome = op <= OP_FROM_BACKEND ? UNCHANGED : NOTHING;
    for (let k = 0; k < chain.length; k++) {
      const valve = op === OP_FROM_BACKEND ? chain[chain.length - 1 - k] : chain[k];
      const policy = sink.policyOf(version, valve, op);
      if (policy < 0) continue;
      sink.valveError(version, valve, op, KIND_HOST_CRASH, '', 0, 0, why);
      if (policy === POLICY_CLOSE) {
        outcome = CLOSE_1011;
        break;
      }
      if (policy === POLICY_DROP && (op === OP_FROM_CLIENT || op === OP_FROM_BACKEND)) {
        sink.valveStats(version, valve, op, 0, 1, 0);
        outcome = NOTHING;
        break;
      }
    }
    deliver(sink, op, pipe, batch.msg[i], outcome);
  }
}
