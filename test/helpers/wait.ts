// Bounded waits for tests: on an event when there is one, by polling only where the state has no
// event (admin listings, counters). Every wait names what it waited for when it times out.
import type { EventEmitter } from 'node:events';

/** Resolves when `check()` holds, re-checking on every `event`; rejects after `ms`. */
export function waitEvent(
  emitter: EventEmitter,
  event: string,
  check: () => boolean,
  ms: number,
  what: string,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onEvent = () => {
      if (!check()) return;
      clearTimeout(timer);
      emitter.off(event, onEvent);
      resolve();
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    emitter.on(event, onEvent);
  });
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than undefined/false, and
 * resolves with it; rejects after `ms` with `what` and the last value seen.
 */
export async function waitUntil<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  ms = 2000,
  intervalMs = 10,
): Promise<T> {
  const deadline = performance.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (performance.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${detail})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves after `ms`; only for waits that are the behaviour under test (a breaker's backoff). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
