// A flapping backend (FAULTS.md §3.43) completes every handshake and drops the connection within
// milliseconds, so each of its dials would be a success and its breaker would never open. A
// handshake is therefore a success for the breaker only once the connection has lived through the
// backend's `flap-window`; until then it is on probation (Breaker.connected). The pool ends a
// probation early: a drop by the backend (an abnormal close code or a lost TCP connection) is a
// failed dial, any other end (a normal close, the client or Sluice closing it) a success. With
// `flap-window: 0s` or a disabled breaker the handshake is the verdict, as in wsbalancer.
import type { WebSocket } from 'ws';
import type { Backend } from './backend.ts';

export interface Probation {
  backend: Backend;
  /** performance.now() at the handshake. */
  since: number;
  /** The dial was the half-open trial of a tripped breaker (only its verdict changes the state). */
  trial: boolean;
  timer: NodeJS.Timeout;
}

// Keyed by connection, so no property is added to the WebSocket (its shape stays the same).
const pending = new WeakMap<WebSocket, Probation>();

/** A handshake to `backend` succeeded with `ws`: a breaker success now or after flap-window. */
export function startProbation(backend: Backend, ws: WebSocket, trial: boolean): void {
  const windowMs = backend.config.flapWindowMs;
  if (windowMs <= 0 || backend.breaker.threshold < 0) {
    backend.breaker.success(trial);
    return;
  }
  backend.breaker.connected(trial);
  const timer = setTimeout(survived, windowMs, ws);
  timer.unref();
  pending.set(ws, { backend, since: performance.now(), trial, timer });
}

/** Takes the probation of `ws` if it is still pending (the caller gives the verdict). */
export function endProbation(ws: WebSocket): Probation | undefined {
  const p = pending.get(ws);
  if (p === undefined) return undefined;
  pending.delete(ws);
  clearTimeout(p.timer);
  return p;
}

function survived(ws: WebSocket): void {
  const p = pending.get(ws);
  if (p === undefined) return;
  pending.delete(ws);
  p.backend.breaker.success(p.trial);
}
