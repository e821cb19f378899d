// A session's pipeline when it has trusted valves: they are the outer layer of the onion, on the
// client side — fromClient runs them first (synchronously, in the proxy) and feeds what they let
// through to the inner, sandboxed pipeline; fromBackend runs them on what the inner pipeline
// returns. Toward the session it is one SessionPipeline (one result per pushed message, in push
// order per direction); toward the inner pipeline it is the PipelineSession. A FIFO per direction
// keeps order when a trusted valve splits or drops a message while earlier ones are still in the
// valve host. Sessions without trusted valves never get this wrapper.
import { NOTHING, UNCHANGED } from '../outcome.ts';
import type {
  Direction,
  PipelineSession,
  SessionInfo,
  SessionPipeline,
  ValveOutcome,
  WireMessage,
} from '../types.ts';
import type { TrustedEntry } from './compile.ts';
import { beginRun, type Effects, endRun, TrustedCtx } from './ctx.ts';
import {
  H_CLOSE,
  H_FAILOVER,
  H_FROM_BACKEND,
  H_FROM_CLIENT,
  H_OPEN,
  runLifecycle,
  runMessage,
} from './run-chain.ts';
import { SlotQueue } from './slot-queue.ts';

const MAX_DELAY_MS = 60_000;

export class TrustedPipeline implements SessionPipeline, PipelineSession {
  readonly empty = false;
  /** The sandboxed pipeline inside; PipelineManager swaps it on a hot reload. */
  inner: SessionPipeline;
  private readonly chain: readonly TrustedEntry[];
  private readonly ctxs: TrustedCtx[] = [];
  private session: PipelineSession | undefined;
  private info: Readonly<SessionInfo> | undefined;
  private readonly clientHook: boolean;
  private readonly backendHook: boolean;
  private readonly fromClientQ: SlotQueue | undefined;
  private readonly fromBackendQ: SlotQueue | undefined;
  /** The trusted part of each failover() whose inner result is still due. */
  private readonly failovers: ({ msgs: WireMessage[] | undefined; fx: Effects | undefined } | undefined)[] =
    [];
  private closed = false;

  constructor(inner: SessionPipeline, chain: readonly TrustedEntry[]) {
    this.inner = inner;
    this.chain = chain;
    this.clientHook = chain.some((e) => e.hooks[H_FROM_CLIENT] !== undefined);
    this.backendHook = chain.some((e) => e.hooks[H_FROM_BACKEND] !== undefined);
    this.fromClientQ = this.clientHook ? new SlotQueue() : undefined;
    this.fromBackendQ = this.backendHook ? new SlotQueue() : undefined;
  }

  get id(): string {
    return this.session?.id ?? '';
  }

  get handlesFromClient(): boolean {
    return this.clientHook || this.inner.handlesFromClient;
  }

  get handlesFromBackend(): boolean {
    return this.backendHook || this.inner.handlesFromBackend;
  }

  // ── SessionPipeline (called by the session) ─────────────────────────────────────────────

  open(session: PipelineSession, info: SessionInfo): void {
    this.session = session;
    this.info = Object.freeze({
      ...info,
      headers: Object.freeze({ ...info.headers }),
      backend: Object.freeze({ ...info.backend }),
    });
    for (const e of this.chain) this.ctxs.push(new TrustedCtx(e.options, this.info, e.record.log));
    const saved = beginRun();
    runLifecycle(this.chain, this.ctxs, H_OPEN);
    const fx = endRun(saved);
    // before the inner valves' open(): what a trusted open() sends goes out first
    if (fx !== undefined) session.onHookResult(outcomeOf(NOTHING.forward, fx));
    if (!this.inner.empty) this.inner.open(this, info);
  }

  push(_session: PipelineSession, direction: Direction, msg: WireMessage): void {
    if (direction === 'fromClient') {
      if (this.clientHook) this.pushFromClient(msg);
      else this.inner.push(this, direction, msg);
    } else if (this.backendHook) this.pushFromBackend(msg);
    else this.inner.push(this, direction, msg);
  }

  failover(_session: PipelineSession, backend: { id: string; url: string }): void {
    if (this.info !== undefined) {
      this.info = Object.freeze({
        ...this.info,
        backend: Object.freeze({ id: backend.id, url: backend.url }),
      });
      for (const c of this.ctxs) c.session = this.info;
    }
    const saved = beginRun();
    const msgs = runLifecycle(this.chain, this.ctxs, H_FAILOVER);
    const fx = endRun(saved);
    this.failovers.push(msgs === undefined && fx === undefined ? undefined : { msgs, fx });
    this.inner.failover(this, backend);
  }

  close(_session: PipelineSession): void {
    if (this.closed) return;
    this.closed = true;
    const saved = beginRun();
    runLifecycle(this.chain, this.ctxs, H_CLOSE); // effects are moot: the session has ended
    endRun(saved);
    this.inner.close(this);
  }

  // ── client → backend: trusted valves first, then the inner pipeline ───────────────────────

  private pushFromClient(msg: WireMessage): void {
    const saved = beginRun();
    const fwd = runMessage(this.chain, this.ctxs, H_FROM_CLIENT, msg);
    const fx = endRun(saved);
    const q = this.fromClientQ!;
    if (!this.inner.handlesFromClient || (fwd !== undefined && fwd.length === 0)) {
      // nothing for the inner pipeline: done now, unless earlier messages are still in it
      const o = outcomeOf(fwd, fx);
      if (q.size === 0) this.session!.onPipelineResult('fromClient', msg, o);
      else q.push(msg, 0, o);
      return;
    }
    if (fwd === undefined) {
      q.push(msg, 1, fx === undefined ? undefined : accumulator(fx));
      this.inner.push(this, 'fromClient', msg);
      return;
    }
    q.push(msg, fwd.length, fwd.length === 1 && fx === undefined ? undefined : accumulator(fx));
    for (let k = 0; k < fwd.length; k++) this.inner.push(this, 'fromClient', fwd[k]);
  }

  private innerFromClient(s: PipelineSession, m: WireMessage, r: ValveOutcome): void {
    const q = this.fromClientQ!;
    if (q.size === 0) {
      s.onPipelineResult('fromClient', m, r); // not ours (cannot happen): pass it on
      return;
    }
    const acc = q.headAcc();
    if (acc === undefined) {
      // one message in, one result out: the inner outcome is the outcome (`m` is what went in)
      q.shift();
      s.onPipelineResult('fromClient', m, r);
    } else {
      merge(acc, m, r);
      if (q.settleOne() > 0) return;
      const orig = q.headOrig();
      q.shift();
      s.onPipelineResult('fromClient', orig, acc);
    }
    while (q.size > 0 && q.headDue() === 0) {
      const orig = q.headOrig();
      const o = q.headAcc()!;
      q.shift();
      s.onPipelineResult('fromClient', orig, o);
    }
  }

  // ── backend → client: the inner pipeline first, then trusted valves ───────────────────────

  private pushFromBackend(msg: WireMessage): void {
    const q = this.fromBackendQ!;
    if (this.inner.handlesFromBackend) {
      q.push(msg, 1, undefined);
      this.inner.push(this, 'fromBackend', msg);
    } else if (q.size === 0) this.finishFromBackend(msg, UNCHANGED);
    else q.push(msg, 0, UNCHANGED);
  }

  private innerFromBackend(m: WireMessage, r: ValveOutcome): void {
    const q = this.fromBackendQ!;
    if (q.size > 0) q.shift();
    this.finishFromBackend(m, r);
    while (q.size > 0 && q.headDue() === 0) {
      const orig = q.headOrig();
      q.shift();
      this.finishFromBackend(orig, UNCHANGED);
    }
  }

  /** Runs the trusted valves on what the inner pipeline let through and hands the result on. */
  private finishFromBackend(m: WireMessage, r: ValveOutcome): void {
    const s = this.session!;
    if (this.closed) {
      s.onPipelineResult('fromBackend', m, r);
      return;
    }
    const saved = beginRun();
    let fwd: WireMessage[] | undefined;
    if (r.unchanged) fwd = runMessage(this.chain, this.ctxs, H_FROM_BACKEND, m);
    else {
      const parts = r.forward;
      for (let k = 0; k < parts.length; k++) {
        const x = runMessage(this.chain, this.ctxs, H_FROM_BACKEND, parts[k]);
        if (x === undefined) fwd?.push(parts[k]);
        else {
          fwd ??= parts.slice(0, k);
          for (const y of x) fwd.push(y);
        }
      }
    }
    const fx = endRun(saved);
    if (fwd === undefined && fx === undefined) {
      s.onPipelineResult('fromBackend', m, r);
      return;
    }
    s.onPipelineResult('fromBackend', m, {
      unchanged: fwd === undefined && r.unchanged,
      forward: fwd ?? r.forward,
      toClient: concat(r.toClient, fx?.toClient),
      toBackend: concat(r.toBackend, fx?.toBackend),
      close: r.close ?? fx?.close,
      delayMs: Math.min(MAX_DELAY_MS, r.delayMs + (fx?.delayMs ?? 0)),
    });
  }

  // ── PipelineSession (called by the inner pipeline) ────────────────────────────────────────

  onPipelineResult(direction: Direction, original: WireMessage, outcome: ValveOutcome): void {
    const s = this.session;
    if (s === undefined) return;
    if (direction === 'fromClient') {
      if (this.clientHook) this.innerFromClient(s, original, outcome);
      else s.onPipelineResult(direction, original, outcome);
    } else if (this.backendHook) this.innerFromBackend(original, outcome);
    else s.onPipelineResult(direction, original, outcome);
  }

  onFailoverResult(outcome: ValveOutcome): void {
    const s = this.session;
    if (s === undefined) return;
    const mine = this.failovers.shift();
    if (mine === undefined) {
      s.onFailoverResult(outcome);
      return;
    }
    // trusted valves are outside: their messages go to the new backend first
    const forward = mine.msgs ? [...mine.msgs] : [];
    if (!outcome.unchanged) for (const m of outcome.forward) forward.push(m);
    s.onFailoverResult({
      unchanged: false,
      forward,
      toClient: concat(mine.fx?.toClient, outcome.toClient),
      toBackend: concat(mine.fx?.toBackend, outcome.toBackend),
      close: mine.fx?.close ?? outcome.close,
      delayMs: 0,
    });
  }

  onHookResult(outcome: ValveOutcome): void {
    this.session?.onHookResult(outcome);
  }
}

/** The outcome of a trusted run alone (`fwd` undefined: unchanged). */
function outcomeOf(fwd: WireMessage[] | undefined, fx: Effects | undefined): ValveOutcome {
  if (fx === undefined) {
    if (fwd === undefined) return UNCHANGED;
    if (fwd.length === 0) return NOTHING;
    return {
      unchanged: false,
      forward: fwd,
      toClient: undefined,
      toBackend: undefined,
      close: undefined,
      delayMs: 0,
    };
  }
  return {
    unchanged: fwd === undefined,
    forward: fwd ?? NOTHING.forward,
    toClient: fx.toClient,
    toBackend: fx.toBackend,
    close: fx.close,
    delayMs: fx.delayMs,
  };
}

/** An outcome the inner results of one message are merged into (trusted effects first). */
function accumulator(fx: Effects | undefined): ValveOutcome {
  return {
    unchanged: false,
    forward: [],
    toClient: fx?.toClient,
    toBackend: fx?.toBackend,
    close: fx?.close,
    delayMs: fx?.delayMs ?? 0,
  };
}

function merge(acc: ValveOutcome, m: WireMessage, r: ValveOutcome): void {
  if (r.unchanged) acc.forward.push(m);
  else for (const f of r.forward) acc.forward.push(f);
  acc.toClient = concat(acc.toClient, r.toClient);
  acc.toBackend = concat(acc.toBackend, r.toBackend);
  acc.close ??= r.close;
  acc.delayMs = Math.min(MAX_DELAY_MS, acc.delayMs + r.delayMs);
}

function concat(a: WireMessage[] | undefined, b: WireMessage[] | undefined): WireMessage[] | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return [...a, ...b];
}
