// Batched writes to a backend that still know, byte for byte, which messages reached the kernel.
//
// Writing each client → backend message with its own write syscall cost ~45 % of the proxy's CPU.
// Corking the backend socket for the tick sends them in one writev, but a writev the kernel takes
// only in part completes (and calls every message's send callback) only once all of it is written:
// if the backend dies meanwhile, messages the kernel already took would look undelivered and be
// replayed twice. So the ledger records where each message's frame ends in the socket's byte
// stream, and when the socket is destroyed it reads how far the kernel got (libuv's dispatched
// bytes minus its write queue, both exact until the handle closes). Every message whose frame
// ends within that is delivered (DESIGN.md §3: "delivered" = handed to the kernel), the rest is
// replayed: no duplicates, no loss, with one syscall per tick instead of one per message.
//
// Only plain TCP without permessage-deflate: with TLS the byte counts are of ciphertext, and with
// compression the frame sizes are not known when the message is sent. Such links write one
// message per syscall and rely on the send callbacks alone.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

interface StreamHandle {
  bytesWritten: number;
  writeQueueSize: number;
}
type Destroy = (err: Error | null, cb: (err: Error | null) => void) => void;
const kLedger = Symbol('sluice.backendLedger');
const kOwnDestroy = Symbol('sluice.ownDestroy');
type LedgerSocket = Socket & {
  _handle: StreamHandle | null;
  _destroy: Destroy;
  [kLedger]?: BackendLedger;
  [kOwnDestroy]?: Destroy;
};

export class BackendLedger {
  private readonly socket: LedgerSocket;
  private corked = false;
  /** Stream offset of everything queued on the socket when this tick's batch began. */
  private batchBase = 0;
  /** socket.writableLength then: every write since (ours, ws's automatic pongs) grows it by its size. */
  private batchStartLength = 0;
  /** A write syscall failed: libuv forgot the unwritten rest of that write, so its counts overstate. */
  private writeFailed = false;
  /** The furthest stream offset the kernel was seen to have taken (sampled while the handle lives). */
  private acceptedSeen = 0;
  /** Set when the socket is destroyed: the stream offset the kernel had taken. */
  acceptedAtEnd: number | undefined = undefined;

  private constructor(socket: LedgerSocket) {
    this.socket = socket;
    socket[kLedger] = this;
    // Read the kernel's progress before Node closes the handle (its write queue is gone after).
    socket[kOwnDestroy] = socket._destroy;
    socket._destroy = destroyRecordingProgress;
  }

  /** A ledger for this backend link, or undefined when it must write message by message. */
  static for(ws: WebSocket): BackendLedger | undefined {
    const socket = (ws as unknown as { _socket?: LedgerSocket })._socket;
    if (!socket || (socket as { encrypted?: boolean }).encrypted || socket._handle === null) return undefined;
    if (ws.extensions !== '') return undefined; // permessage-deflate: frame sizes unknown up front
    if (typeof socket._handle?.writeQueueSize !== 'number') return undefined;
    return new BackendLedger(socket);
  }

  /**
   * Call right before writing a message of `payloadBytes`; returns where its frame will end in
   * the stream. The first write of a tick corks the socket; the tick's end sends them all at once.
   */
  frameEnd(payloadBytes: number): number {
    const socket = this.socket;
    if (!this.corked) {
      this.sample();
      // Everything queued so far, in order: earlier frames, pings, the handshake. With nothing
      // pending that is libuv's dispatched count; else Node's getter adds the buffered chunks.
      const h = socket._handle;
      this.batchBase = socket.writableLength === 0 && h !== null ? h.bytesWritten : socket.bytesWritten;
      this.batchStartLength = socket.writableLength;
      socket.cork();
      this.corked = true;
      process.nextTick(uncork, this);
    }
    // Within the batch nothing completes (completions are later I/O callbacks), so the growth of
    // writableLength is exactly what was written since the batch began, whoever wrote it.
    return this.batchBase + (socket.writableLength - this.batchStartLength) + frameBytes(payloadBytes);
  }

  /** Notes how far the kernel has taken the stream (two reads of libuv counters: cheap). */
  sample(): void {
    const h = this.socket._handle;
    if (h === null || this.failedWrite()) return;
    const taken = h.bytesWritten - h.writeQueueSize;
    if (taken > this.acceptedSeen) this.acceptedSeen = taken;
  }

  /**
   * Has a write syscall failed? Node marks the stream errored at once, even when the writev
   * failed synchronously inside uncork() and the send callbacks are still to come.
   */
  private failedWrite(): boolean {
    if (!this.writeFailed) {
      const err = this.socket.errored as NodeJS.ErrnoException | null;
      if (err && err.syscall === 'write') this.writeFailed = true;
    }
    return this.writeFailed;
  }

  /** @internal called by the socket's _destroy, while the handle still holds its write queue. */
  recordEnd(): void {
    if (this.acceptedAtEnd !== undefined) return;
    // After a failed write the last sample is a lower bound: what the kernel took after it (if
    // anything) is replayed, so a message may arrive twice but none that was not sent is lost.
    this.sample();
    this.acceptedAtEnd = this.acceptedSeen;
  }

  /** @internal */
  flush(): void {
    this.corked = false;
    if (this.socket.destroyed) return;
    this.socket.uncork();
    this.sample();
  }
}

function destroyRecordingProgress(
  this: LedgerSocket,
  err: Error | null,
  cb: (err: Error | null) => void,
): void {
  this[kLedger]?.recordEnd();
  (this[kOwnDestroy] as Destroy).call(this, err, cb);
}

function uncork(ledger: BackendLedger): void {
  ledger.flush();
}

/** Bytes of a masked (client-to-server) WebSocket frame carrying `payload` bytes (RFC 6455 §5.2). */
export function frameBytes(payload: number): number {
  return payload + (payload < 126 ? 6 : payload < 65536 ? 8 : 14);
}
