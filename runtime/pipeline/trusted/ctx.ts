// The ctx of a trusted hook (one per valve and session), and the effects its methods record while
// a hook runs: injections, close, delay. As in the sandbox, ctx methods only record; the trusted
// pipeline applies the records with the message's outcome, in order.
import { clampCloseReason, isSendableCloseCode } from '../../errors.ts';
import type { SessionInfo, WireMessage } from '../types.ts';
import type { TrustedRecord } from './record.ts';
import type { TrustedMessage, TrustedPayload } from './types.ts';

const MAX_INJECT = 1000;
const MAX_DELAY_MS = 60_000;

/** Side effects of the hooks run for one message (or lifecycle event). */
export interface Effects {
  toClient: WireMessage[] | undefined;
  toBackend: WireMessage[] | undefined;
  close: { code: number; reason: string } | undefined;
  delayMs: number;
}

/**
 * The running hook's ctx and the effects recorded so far. Hooks are synchronous, so one slot
 * serves every session; callers save and restore it around a run.
 */
export const run: { ctx: TrustedCtx | undefined; fx: Effects | undefined; injections: number } = {
  ctx: undefined,
  fx: undefined,
  injections: 0,
};

/** Starts recording effects; returns what an enclosing run had recorded, for endRun. */
export function beginRun(): Effects | undefined {
  const saved = run.fx;
  run.fx = undefined;
  return saved;
}

/** Ends recording: returns the effects recorded since beginRun (undefined: none). */
export function endRun(saved: Effects | undefined): Effects | undefined {
  const fx = run.fx;
  run.fx = saved;
  return fx;
}

function effects(): Effects {
  run.fx ??= { toClient: undefined, toBackend: undefined, close: undefined, delayMs: 0 };
  return run.fx;
}

/** Records a close (the first one wins, except on-error close, which `force`s 1011). */
export function recordClose(code: number, reason: string, force: boolean): void {
  const fx = effects();
  if (force || fx.close === undefined) fx.close = { code, reason };
}

function mustRun(ctx: TrustedCtx, name: string): void {
  if (run.ctx === ctx) return;
  if (run.ctx === undefined) throw new Error(`ctx.${name}() called outside a hook: hooks are synchronous`);
  throw new Error(`ctx.${name}() called with the ctx of another valve or session`);
}

export class TrustedCtx {
  state: Record<string, unknown> = {};
  readonly options: Readonly<Record<string, unknown>>;
  session: Readonly<SessionInfo>;
  readonly log: TrustedRecord['log'];

  constructor(
    options: Readonly<Record<string, unknown>>,
    session: Readonly<SessionInfo>,
    log: TrustedRecord['log'],
  ) {
    this.options = options;
    this.session = session;
    this.log = log;
  }

  sendToClient(data: TrustedPayload): void {
    this.inject(data, 'sendToClient');
  }

  sendToBackend(data: TrustedPayload): void {
    this.inject(data, 'sendToBackend');
  }

  close(code = 1000, reason = ''): void {
    mustRun(this, 'close');
    if (!Number.isInteger(code) || !isSendableCloseCode(code)) {
      throw new RangeError(
        `ctx.close(code): ${String(code)} is not a close code a peer may receive (use 1000 or 3000-4999)`,
      );
    }
    if (typeof reason !== 'string') throw new TypeError('ctx.close(code, reason): reason must be a string');
    recordClose(code, clampCloseReason(reason), false);
  }

  delay(ms: number): void {
    mustRun(this, 'delay');
    if (typeof ms !== 'number' || !(ms >= 0 && ms <= MAX_DELAY_MS)) {
      throw new RangeError(`ctx.delay(ms): ms must be a number from 0 to 60000, got ${String(ms)}`);
    }
    const fx = effects();
    fx.delayMs = Math.min(MAX_DELAY_MS, fx.delayMs + ms);
  }

  now(): number {
    return Date.now();
  }

  private inject(data: TrustedPayload, name: 'sendToClient' | 'sendToBackend'): void {
    mustRun(this, name);
    if (++run.injections > MAX_INJECT) {
      throw new RangeError(`ctx.${name}(): more than ${MAX_INJECT} messages in one call`);
    }
    const msg = toWire(data);
    if (msg === undefined) {
      throw new TypeError(`ctx.${name}(data): data must be a string, a Uint8Array or {type, data}`);
    }
    const fx = effects();
    if (name === 'sendToClient') {
      fx.toClient ??= [];
      fx.toClient.push(msg);
    } else {
      fx.toBackend ??= [];
      fx.toBackend.push(msg);
    }
  }
}

/** What a hook sees for a message (binary: the proxy's Buffer itself, no copy). */
export function toHookMessage(wire: WireMessage): TrustedMessage {
  return wire.binary
    ? { type: 'binary', data: wire.data }
    : { type: 'text', data: wire.data.toString('utf8') };
}

/** A payload (string, Uint8Array, {type, data}) as a wire message; undefined when it is none. */
export function toWire(v: unknown): WireMessage | undefined {
  if (typeof v === 'string') return { data: Buffer.from(v, 'utf8'), binary: false };
  if (v instanceof Uint8Array) return { data: asBuffer(v), binary: true };
  if (v !== null && typeof v === 'object') {
    const m = v as { type?: unknown; data?: unknown };
    if (m.type === 'text' && typeof m.data === 'string')
      return { data: Buffer.from(m.data, 'utf8'), binary: false };
    if (m.type === 'binary' && m.data instanceof Uint8Array) return { data: asBuffer(m.data), binary: true };
  }
  return undefined;
}

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}
