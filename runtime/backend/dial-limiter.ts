// Caps how many failover handshakes run at once (FAULTS.md §2.5 "storms"): when a backend dies
// with N sessions, the N reconnects queue here instead of hitting the remaining backends with N
// simultaneous handshakes. Waiters are served in order; a cancelled waiter leaves the queue.

export class DialLimiter {
  private readonly max: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(max: number) {
    this.max = max;
  }

  /** Resolves when a slot is free; call the returned function to give it back (once). */
  acquire(): Promise<() => void> {
    if (this.running < this.max) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      this.waiting.push(() => {
        this.running++;
        resolve(this.releaser());
      });
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.waiting.shift()?.();
    };
  }
}
