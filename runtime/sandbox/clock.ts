// The time valves see through ctx.now() and the clock ctx.delay() is measured against. Real in
// `sluice run`; `sluice test` injects a virtual clock it advances itself.

export interface Clock {
  /** Milliseconds, like Date.now(). */
  now(): number;
  /** true: ctx.now() returns exactly now() as of the batch; false: the sandbox reads real time. */
  readonly virtual: boolean;
}

/** Wall-clock time. */
export const realClock: Clock = { now: Date.now, virtual: false };

/** A clock that only moves when told to (for `sluice test` and tests). */
export class VirtualClock implements Clock {
  readonly virtual = true;
  private t: number;
  constructor(start = 0) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.t += ms;
  }
}
