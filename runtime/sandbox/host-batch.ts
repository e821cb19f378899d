// Runs one batch frame in the valve host: decodes it, registers and moves sessions in push order,
// sends each version's items through its isolates (one crossing per isolate per slice), turns
// timeouts and lost isolates into per-item valve errors, and encodes the verdicts.
import { OP_ATTACH, OP_CLOSE, OP_FROM_BACKEND, OP_MOVE, OP_OPEN } from './batch-format.ts';
import { FrameCursor } from './frames.ts';
import type { HostSession, HostVersion } from './host-version.ts';
import type { StepInput } from './isolate-unit.ts';
import { runUnit } from './unit-runner.ts';
import { runMultiUnit } from './host-multi-unit.ts';

export type Flat = (number | string | Uint8Array)[];

/** A decoded batch; `ver` is filled in push order as sessions are registered. */
export interface Batch {
  id: number;
  now: number;
  n: number;
  op: Uint8Array;
  h: Int32Array;
  bin: Uint8Array;
  d: (string | Uint8Array | null)[];
  verId: Int32Array;
  ver: (HostVersion | undefined)[];
  /** Sessions of moves turned into attaches (their payload is not parsed again). */
  moved?: (HostSession | undefined)[];
}

/** Verdicts collected for a batch, by item. */
export interface Results {
  fwd: (Flat | undefined)[];
  ev: (unknown[][] | undefined)[];
  logs: [number, number, number, string][];
  calls: Map<HostVersion, Int32Array>;
  /** Seconds spent per unit of each version, shared out over its valves by calls. */
  seconds: Map<HostVersion, Float64Array>;
}

/** What the batch runner needs from the host process. */
export interface HostContext {
  versions: Map<number, HostVersion>;
  registry: Map<number, HostVersion>;
  /** Between slices of a long batch: reports progress and lets the event loop turn. */
  pause(): Promise<void> | undefined;
  log(level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>): void;
}

/** Decodes a batch frame body. Text becomes strings, binary exact-size copies (never a view). */
export function decodeBatch(body: Buffer): Batch {
  const c = new FrameCursor(body);
  const id = c.u32();
  const now = c.f64();
  const n = c.u32();
  const b: Batch = {
    id,
    now,
    n,
    op: new Uint8Array(n),
    h: new Int32Array(n),
    bin: new Uint8Array(n),
    d: new Array(n),
    verId: new Int32Array(n),
    ver: new Array(n),
  };
  for (let i = 0; i < n; i++) {
    const op = c.u8();
    b.op[i] = op;
    b.h[i] = c.u32();
    if (op <= OP_FROM_BACKEND) {
      const binary = c.u8();
      b.bin[i] = binary;
      const len = c.u32();
      b.d[i] = binary
        ? new Uint8Array(body.subarray(c.pos, c.pos + len))
        : body.toString('utf8', c.pos, c.pos + len);
      c.pos += len;
    } else if (op === OP_OPEN || op === OP_ATTACH || op === OP_MOVE) {
      b.verId[i] = c.u32();
      b.d[i] = c.str();
    } else if (op !== OP_CLOSE) {
      b.d[i] = c.str();
    } else {
      b.d[i] = null;
    }
  }
  return b;
}

/** Open/attach payload from the proxy: {info, chain, states?, openNew?}. */
interface SessionPayload {
  info: unknown;
  chain: number[];
  states?: Record<string, string>;
  openNew?: boolean;
  release?: boolean;
}

/**
 * Runs a whole batch; groups are split at moves so a moved session keeps its order. Consecutive
 * moves (a hot reload moves every session in one tick) are taken out of their old isolates in one
 * crossing per isolate, and attached together with the items that follow them.
 */
export async function runBatch(ctx: HostContext, b: Batch): Promise<Results> {
  const r: Results = {
    fwd: new Array(b.n),
    ev: new Array(b.n),
    logs: [],
    calls: new Map(),
    seconds: new Map(),
  };
  let start = 0;
  for (let j = 0; j < b.n; j++) {
    if (b.op[j] !== OP_MOVE) continue;
    await runGroup(ctx, b, r, start, j);
    let end = j + 1;
    const handles = new Set([b.h[j]]);
    while (end < b.n && b.op[end] === OP_MOVE && !handles.has(b.h[end])) handles.add(b.h[end++]);
    moveSessions(ctx, b, j, end);
    start = j;
    j = end - 1;
  }
  await runGroup(ctx, b, r, start, b.n);
  return r;
}

/** Turns the moves [a, z) (distinct sessions) into attaches carrying each session's states. */
function moveSessions(ctx: HostContext, b: Batch, a: number, z: number): void {
  const byVersion = new Map<HostVersion, number[]>();
  for (let j = a; j < z; j++) {
    const from = ctx.registry.get(b.h[j]);
    if (from === undefined) continue;
    let list = byVersion.get(from);
    if (list === undefined) {
      list = [];
      byVersion.set(from, list);
    }
    list.push(j);
  }
  const infos: (string | undefined)[] = new Array(z - a);
  const states: string[] = new Array(z - a).fill('{}');
  for (const [from, items] of byVersion) {
    const handles = items.map((j) => b.h[j]);
    for (const j of items) infos[j - a] = from.sessions.get(b.h[j])?.infoJson;
    const detached = from.detach(handles);
    for (let k = 0; k < items.length; k++) states[items[k] - a] = detached[k];
  }
  for (let j = a; j < z; j++) {
    const to = ctx.versions.get(b.verId[j]);
    const oldInfo = infos[j - a];
    const p = JSON.parse(b.d[j] as string) as SessionPayload;
    if (to === undefined || oldInfo === undefined || p.release) {
      ctx.registry.delete(b.h[j]);
      b.op[j] = OP_CLOSE; // released (or nothing to move): a no-op item
      b.verId[j] = -1;
    } else {
      const info = p.info === undefined ? oldInfo : JSON.stringify(p.info);
      b.op[j] = OP_ATTACH;
      b.d[j] = `{"info":${info},"chain":${JSON.stringify(p.chain)},"states":${states[j - a]},"openNew":true}`;
      b.moved ??= new Array(b.n);
      b.moved[j] = { chain: p.chain, infoJson: info };
    }
  }
}

async function runGroup(ctx: HostContext, b: Batch, r: Results, a: number, z: number): Promise<void> {
  if (a >= z) return;
  let single: HostVersion | undefined;
  let mixed = false;
  for (let k = a; k < z; k++) {
    const op = b.op[k];
    const h = b.h[k];
    let v: HostVersion | undefined;
    if (op === OP_OPEN || op === OP_ATTACH) {
      v = ctx.versions.get(b.verId[k]);
      if (v !== undefined) {
        let s = b.moved?.[k];
        if (s === undefined) {
          const p = JSON.parse(b.d[k] as string) as SessionPayload;
          s = { chain: p.chain, infoJson: JSON.stringify(p.info) };
        }
        ctx.registry.set(h, v);
        v.sessions.set(h, s);
      }
    } else {
      v = ctx.registry.get(h);
      if (op === OP_CLOSE && v !== undefined) {
        ctx.registry.delete(h);
        v.sessions.delete(h);
      }
    }
    b.ver[k] = v;
    if (k === a) single = v;
    else if (v !== single) mixed = true;
  }
  if (!mixed) {
    if (single !== undefined) await runVersion(ctx, b, r, single, a === 0 && z === b.n ? null : range(a, z));
    return;
  }
  const byVersion = new Map<HostVersion, number[]>();
  for (let k = a; k < z; k++) {
    const v = b.ver[k];
    if (v === undefined) continue;
    let list = byVersion.get(v);
    if (list === undefined) {
      list = [];
      byVersion.set(v, list);
    }
    list.push(k);
  }
  for (const [v, list] of byVersion) await runVersion(ctx, b, r, v, list);
}

function range(a: number, z: number): number[] {
  const out: number[] = [];
  for (let k = a; k < z; k++) out.push(k);
  return out;
}

/** Builds the driver input for the items `map` (null: the whole batch). */
export function inputOf(b: Batch, map: number[] | null): StepInput {
  if (map === null) return { op: b.op, h: b.h, bin: b.bin, d: b.d, now: b.now };
  const n = map.length;
  const input: StepInput = {
    op: new Uint8Array(n),
    h: new Int32Array(n),
    bin: new Uint8Array(n),
    d: new Array(n),
    now: b.now,
  };
  for (let k = 0; k < n; k++) {
    const i = map[k];
    input.op[k] = b.op[i];
    input.h[k] = b.h[i];
    input.bin[k] = b.bin[i];
    input.d[k] = b.d[i];
  }
  return input;
}

async function runVersion(
  ctx: HostContext,
  b: Batch,
  r: Results,
  v: HostVersion,
  map: number[] | null,
): Promise<void> {
  if (v.units.length === 1) {
    await runUnit(ctx, r, v, 0, inputOf(b, map), {
      result: (k, flat) => {
        r.fwd[map === null ? k : map[k]] = flat;
      },
      event: (k, e) => addEvent(r, map === null ? k : map[k], e),
    });
    return;
  }
  await runMultiUnit(ctx, b, r, v, map ?? range(0, b.n));
}

export function addEvent(r: Results, item: number, e: unknown[]): void {
  const list = r.ev[item];
  if (list === undefined) r.ev[item] = [e];
  else list.push(e);
}
