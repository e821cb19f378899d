// Shared, frozen outcomes, so the common cases allocate nothing per message.
import type { ValveOutcome, WireMessage } from './types.ts';

const NO_MESSAGES = Object.freeze([]) as unknown as WireMessage[];

/** The message leaves as it came. Shared: never mutate it. */
export const UNCHANGED: ValveOutcome = Object.freeze({
  unchanged: true,
  forward: NO_MESSAGES,
  toClient: undefined,
  toBackend: undefined,
  close: undefined,
  delayMs: 0,
});

/** Nothing to send (a hook with no effects; failover with no messages). Shared: never mutate it. */
export const NOTHING: ValveOutcome = Object.freeze({
  unchanged: false,
  forward: NO_MESSAGES,
  toClient: undefined,
  toBackend: undefined,
  close: undefined,
  delayMs: 0,
});

/** The message is dropped and the session closes with 1011 (on-error `close`). */
export const CLOSE_1011: ValveOutcome = Object.freeze({
  unchanged: false,
  forward: NO_MESSAGES,
  toClient: undefined,
  toBackend: undefined,
  close: Object.freeze({ code: 1011, reason: 'valve error' }),
  delayMs: 0,
});
