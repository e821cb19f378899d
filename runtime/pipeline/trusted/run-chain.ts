// Runs a session's trusted valves for one message or lifecycle event, with exactly the hook
// semantics of a sandboxed valve (CONTRACT.md §3): return values, on-error, tripping, counters.
// Synchronous, an index loop; a message allocates nothing beyond what its hooks see and return.
import { KIND_INVALID, KIND_THROW, KIND_TRIPPED } from '../../sandbox/batch-format.ts';
import type { WireMessage } from '../types.ts';
import type { TrustedEntry } from './compile.ts';
import { recordClose, run, type TrustedCtx, toHookMessage, toWire } from './ctx.ts';
import { describeThrown } from './record.ts';
import type { TrustedMessage } from './types.ts';

// hook indices (HOOK_NAMES order)
export const H_FROM_CLIENT = 0;
export const H_FROM_BACKEND = 1;
export const H_OPEN = 2;
export const H_FAILOVER = 3;
export const H_CLOSE = 4;

const NONE = Object.freeze([]) as unknown as WireMessage[];

// the message run in progress (saved and restored around a run, so a nested one is harmless)
let out: WireMessage[] | undefined;
let changed = false;
/** on-error close: nothing more of this message or event goes on. */
let stopped = false;

/**
 * Runs `wire` through `chain` (fromClient top to bottom, fromBackend bottom to top). Returns
 * undefined when it leaves unchanged, else what goes on ([] = dropped; do not mutate it). Effects
 * (ctx.sendTo*, close, delay) accumulate in `run.fx`.
 */
export function runMessage(
  chain: readonly TrustedEntry[],
  ctxs: readonly TrustedCtx[],
  hook: number,
  wire: WireMessage,
): WireMessage[] | undefined {
  const savedOut = out;
  const savedChanged = changed;
  const savedStopped = stopped;
  out = undefined;
  changed = false;
  stopped = false;
  walk(chain, ctxs, hook, hook === H_FROM_CLIENT ? 0 : chain.length - 1, wire, undefined);
  const result = changed ? (out ?? NONE) : undefined;
  out = savedOut;
  changed = savedChanged;
  stopped = savedStopped;
  return result;
}

// Depth first, as the sandbox: each part of a split goes through the rest of the chain in turn.
function walk(
  chain: readonly TrustedEntry[],
  ctxs: readonly TrustedCtx[],
  hook: number,
  pos: number,
  wire: WireMessage,
  seen: TrustedMessage | undefined,
): void {
  const step = hook === H_FROM_CLIENT ? 1 : -1;
  const end = hook === H_FROM_CLIENT ? chain.length : -1;
  let msg = seen;
  for (; pos !== end; pos += step) {
    const e = chain[pos];
    if (e.hooks[hook] === undefined) continue;
    msg ??= toHookMessage(wire);
    const r = call(e, ctxs[pos], hook, msg);
    if (r === undefined) continue;
    changed = true;
    for (let k = 0; k < r.length && !stopped; k++) walk(chain, ctxs, hook, pos + step, r[k], undefined);
    return;
  }
  if (!changed) return;
  out ??= [];
  out.push(wire);
}

/**
 * Runs `hook` (open, failover or close) of every valve of `chain` that has it, top to bottom.
 * Returns the messages failover hooks returned (in order), if any.
 */
export function runLifecycle(
  chain: readonly TrustedEntry[],
  ctxs: readonly TrustedCtx[],
  hook: number,
): WireMessage[] | undefined {
  const savedStopped = stopped;
  stopped = false;
  let msgs: WireMessage[] | undefined;
  // close hooks all run (they release what the valve holds), whatever an earlier one did
  for (let pos = 0; pos < chain.length && (hook === H_CLOSE || !stopped); pos++) {
    const e = chain[pos];
    if (e.hooks[hook] === undefined) continue;
    const r = call(e, ctxs[pos], hook, undefined);
    if (r !== undefined && r.length > 0) {
      msgs ??= [];
      for (const m of r) msgs.push(m);
    }
  }
  stopped = savedStopped;
  return msgs;
}

/** One hook call: undefined = the message goes on unchanged; else its replacement(s) ([] = none). */
function call(e: TrustedEntry, ctx: TrustedCtx, hook: number, msg: TrustedMessage | undefined) {
  const rec = e.record;
  if (rec.tripped()) return fail(e, hook, KIND_TRIPPED, `${rec.name} is tripped`, undefined);
  const savedCtx = run.ctx;
  const savedInjections = run.injections;
  run.ctx = ctx;
  run.injections = 0;
  const t0 = performance.now();
  let r: unknown;
  try {
    r = msg === undefined ? e.hooks[hook]!.call(e.valve, ctx) : e.hooks[hook]!.call(e.valve, msg, ctx);
  } catch (err) {
    return fail(e, hook, KIND_THROW, describeThrown(err), err);
  } finally {
    run.ctx = savedCtx;
    run.injections = savedInjections;
    rec.called(hook, performance.now() - t0);
  }
  if (msg !== undefined) {
    if (r === undefined || r === msg || r === msg.data) {
      rec.succeeded();
      return undefined;
    }
  } else if (r === undefined || r === null || (hook !== H_FAILOVER && !isThenable(r))) {
    rec.succeeded(); // open/close return values are ignored
    return undefined;
  }
  const o = classify(r);
  if (typeof o === 'string') {
    const why = o === SYNC ? SYNC : `got ${o}`;
    return fail(e, hook, KIND_INVALID, `invalid valve result from ${rec.name}: ${why}`, undefined);
  }
  rec.succeeded();
  if (o.length === 0 && msg !== undefined) rec.dropped(hook);
  return o;
}

/** A valve error: counted and logged, then the valve's on-error decides. */
function fail(e: TrustedEntry, hook: number, kind: number, message: string, thrown: unknown) {
  e.record.failed(hook, kind, message, thrown);
  if (e.policy === 'pass') return undefined;
  const isMessage = hook === H_FROM_CLIENT || hook === H_FROM_BACKEND;
  if (e.policy === 'drop') {
    if (isMessage) e.record.dropped(hook);
    return isMessage ? NONE : undefined;
  }
  recordClose(1011, 'valve error', true);
  stopped = true;
  return NONE;
}

const SYNC = 'hooks are synchronous';

function isThenable(r: unknown): boolean {
  return (
    r instanceof Promise ||
    (r !== null &&
      (typeof r === 'object' || typeof r === 'function') &&
      typeof (r as { then?: unknown }).then === 'function')
  );
}

/** A hook's return value as messages, or why it is not a valid result. */
function classify(r: unknown): WireMessage[] | string {
  if (r === null) return [];
  if (Array.isArray(r)) {
    const o: WireMessage[] = new Array(r.length);
    for (let k = 0; k < r.length; k++) {
      const one = classifyOne(r[k]);
      if (typeof one === 'string') return `${one} at index ${k}`;
      o[k] = one;
    }
    return o;
  }
  const one = classifyOne(r);
  return typeof one === 'string' ? one : [one];
}

function classifyOne(r: unknown): WireMessage | string {
  const w = toWire(r);
  if (w !== undefined) return w;
  if (isThenable(r)) return SYNC;
  if (r === null) return 'null inside an array';
  if (r === undefined) return 'undefined inside an array';
  if (typeof r === 'object') {
    return 'an object that is not {type: "text", data: string} or {type: "binary", data: Uint8Array}';
  }
  return `a ${typeof r}`;
}
