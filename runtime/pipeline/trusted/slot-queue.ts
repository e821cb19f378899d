// A FIFO of the messages of one session and direction that wait on the inner (sandboxed)
// pipeline: for each, how many inner results are still due and what is known of its outcome so
// far. A ring of parallel arrays, so the steady state allocates nothing per message.
import type { ValveOutcome, WireMessage } from '../types.ts';

export class SlotQueue {
  /** The message as the session pushed it. */
  private orig: (WireMessage | undefined)[] = new Array(8);
  /** Inner results still due (0: complete, waiting only for the slots before it). */
  private due: number[] = new Array(8).fill(0);
  /** The outcome so far; undefined: deliver the one inner result as it comes. */
  private acc: (ValveOutcome | undefined)[] = new Array(8);
  private head = 0;
  size = 0;

  push(orig: WireMessage, due: number, acc: ValveOutcome | undefined): void {
    if (this.size === this.orig.length) this.grow();
    const i = (this.head + this.size) & (this.orig.length - 1);
    this.orig[i] = orig;
    this.due[i] = due;
    this.acc[i] = acc;
    this.size++;
  }

  headOrig(): WireMessage {
    return this.orig[this.head]!;
  }

  headDue(): number {
    return this.due[this.head];
  }

  headAcc(): ValveOutcome | undefined {
    return this.acc[this.head];
  }

  /** One inner result arrived for the head; returns how many are still due. */
  settleOne(): number {
    return --this.due[this.head];
  }

  shift(): void {
    this.orig[this.head] = undefined;
    this.acc[this.head] = undefined;
    this.head = (this.head + 1) & (this.orig.length - 1);
    this.size--;
  }

  private grow(): void {
    const n = this.orig.length;
    const orig: (WireMessage | undefined)[] = new Array(n * 2);
    const due: number[] = new Array(n * 2).fill(0);
    const acc: (ValveOutcome | undefined)[] = new Array(n * 2);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & (n - 1);
      orig[k] = this.orig[i];
      due[k] = this.due[i];
      acc[k] = this.acc[i];
    }
    this.orig = orig;
    this.due = due;
    this.acc = acc;
    this.head = 0;
  }
}
