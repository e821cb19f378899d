// A FIFO of messages with a byte count: the session's unsent queue (client → backend messages not
// yet confirmed written to the live backend socket). Array + head index: O(1) push and shift,
// compacted now and then so memory follows the live length. Each message also carries where its
// frame ends in the backend socket's byte stream (backend-ledger.ts), Infinity until written.
import type { WireMessage } from '../pipeline/types.ts';

export class MessageQueue {
  private items: WireMessage[] = [];
  private ends: number[] = [];
  private head = 0;
  bytes = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(msg: WireMessage, end = Number.POSITIVE_INFINITY): void {
    this.items.push(msg);
    this.ends.push(end);
    this.bytes += msg.data.length;
  }

  shift(): WireMessage | undefined {
    if (this.head >= this.items.length) return undefined;
    const msg = this.items[this.head];
    this.items[this.head] = undefined as unknown as WireMessage;
    this.head++;
    this.bytes -= msg.data.length;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.ends = this.ends.slice(this.head);
      this.head = 0;
    }
    return msg;
  }

  /** The message `i` places from the front, without removing it. */
  at(i: number): WireMessage {
    return this.items[this.head + i];
  }

  /** Where the frame of the message `i` places from the front ends in the backend stream. */
  endAt(i: number): number {
    return this.ends[this.head + i];
  }

  setEnd(i: number, end: number): void {
    this.ends[this.head + i] = end;
  }

  /** Forgets every stream offset (the link they were written to is gone). */
  resetEnds(): void {
    this.ends.fill(Number.POSITIVE_INFINITY, this.head);
  }

  clear(): void {
    this.items = [];
    this.ends = [];
    this.head = 0;
    this.bytes = 0;
  }
}
