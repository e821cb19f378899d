// Length-prefixed frames between the proxy and the valve host, over extra stdio pipes (fd 3: to
// the host, fd 4: from it). A frame is [u32 LE length][u8 type][body]; the length counts the type
// byte and the body. Control frames carry small JSON; batch frames are binary (batch-format.ts).

export const FRAME_CONTROL = 1;
export const FRAME_CONTROL_REPLY = 2;
export const FRAME_BATCH = 3;
export const FRAME_BATCH_RESULT = 4;
export const FRAME_PING = 5;
export const FRAME_PONG = 6;
/** Host → proxy: still working on a long batch (resets the hang deadline). */
export const FRAME_PROGRESS = 7;
/** Host → proxy: a log line of the host itself (JSON {level, msg, ...}). */
export const FRAME_LOG = 8;

/** Largest frame accepted (a batch is capped well below this by the sender). */
export const MAX_FRAME = 1 << 30;

/** Splits a byte stream into frames; calls `onFrame(type, body)` for each whole one. */
export class FrameReader {
  private parts: Buffer[] = [];
  private partsLen = 0;
  private need = 0;
  private readonly onFrame: (type: number, body: Buffer) => void;

  constructor(onFrame: (type: number, body: Buffer) => void) {
    this.onFrame = onFrame;
  }

  /** Feeds a chunk from the stream. Bodies are views of chunks Node never reuses. */
  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.parts.length > 0) {
      // a frame spans chunks: wait until it is whole, then join once (no quadratic copying)
      this.parts.push(chunk);
      this.partsLen += chunk.length;
      if (this.partsLen < this.need) return;
      buf = Buffer.concat(this.parts, this.partsLen);
      this.parts = [];
      this.partsLen = 0;
    }
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32LE(off);
      if (len < 1 || len > MAX_FRAME) throw new Error(`bad frame length ${len}`);
      if (buf.length - off - 4 < len) break;
      this.onFrame(buf[off + 4], buf.subarray(off + 5, off + 4 + len));
      off += 4 + len;
    }
    if (off < buf.length) {
      const tail = buf.subarray(off);
      this.parts.push(tail);
      this.partsLen = tail.length;
      this.need = tail.length >= 4 ? 4 + tail.readUInt32LE(0) : 4;
    }
  }
}

/** A growable output buffer for one frame. */
export class FrameWriter {
  buf: Buffer;
  pos = 0;

  constructor(type: number, capacity = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 16));
    this.pos = 5;
    this.buf[4] = type;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** u32 byte length, then the bytes. */
  bytes(b: Uint8Array): void {
    this.ensure(4 + b.byteLength);
    this.buf.writeUInt32LE(b.byteLength, this.pos);
    this.buf.set(b, this.pos + 4);
    this.pos += 4 + b.byteLength;
  }

  /** u32 byte length, then the UTF-8 bytes. */
  str(s: string): void {
    const max = s.length * 3;
    this.ensure(4 + max);
    const n = this.buf.write(s, this.pos + 4, max, 'utf8');
    this.buf.writeUInt32LE(n, this.pos);
    this.pos += 4 + n;
  }

  /** The finished frame (a view of the internal buffer). */
  finish(): Buffer {
    this.buf.writeUInt32LE(this.pos - 4, 0);
    return this.buf.subarray(0, this.pos);
  }
}

/** Reads the fields of a frame body in order. */
export class FrameCursor {
  readonly buf: Buffer;
  pos = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  u8(): number {
    return this.buf[this.pos++];
  }

  u16(): number {
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A view of the next length-prefixed bytes (shares the frame's memory). */
  bytes(): Buffer {
    const n = this.u32();
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  str(): string {
    const n = this.u32();
    const v = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
}

/** Encodes a small JSON frame (control, reply, log). */
export function jsonFrame(type: number, value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value));
  const frame = Buffer.allocUnsafe(5 + body.length);
  frame.writeUInt32LE(1 + body.length, 0);
  frame[4] = type;
  body.copy(frame, 5);
  return frame;
}

/** An empty-bodied frame of the given type. */
export function emptyFrame(type: number): Buffer {
  const frame = Buffer.allocUnsafe(5);
  frame.writeUInt32LE(1, 0);
  frame[4] = type;
  return frame;
}
