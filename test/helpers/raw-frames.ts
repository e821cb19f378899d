// Hand-built WebSocket frames, for the malformed input no library sends, and a reader for what
// the proxy answers on a raw socket.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

export interface FrameSpec {
  opcode: number;
  payload?: Buffer;
  fin?: boolean;
  rsv1?: boolean;
  masked?: boolean;
  /** Override the length field (for lying headers such as 2^63−1). */
  lengthField?: bigint;
}

/** Encodes one frame; client frames are masked unless `masked: false`. */
export function frame(spec: FrameSpec): Buffer {
  const payload = spec.payload ?? Buffer.alloc(0);
  const masked = spec.masked ?? true;
  const len = spec.lengthField ?? BigInt(payload.length);
  const b0 = (spec.fin === false ? 0 : 0x80) | (spec.rsv1 ? 0x40 : 0) | spec.opcode;
  let header: Buffer;
  if (len < 126n) header = Buffer.from([b0, (masked ? 0x80 : 0) | Number(len)]);
  else if (len < 65536n) {
    header = Buffer.alloc(4);
    header[0] = b0;
    header[1] = (masked ? 0x80 : 0) | 126;
    header.writeUInt16BE(Number(len), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = b0;
    header[1] = (masked ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(len, 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([header, mask, body]);
}

export const text = (s: string | Buffer, fin = true) =>
  frame({ opcode: 1, payload: Buffer.isBuffer(s) ? s : Buffer.from(s), fin });
export const closeFrame = (code?: number, reason = '') => {
  if (code === undefined) return frame({ opcode: 8 });
  const p = Buffer.alloc(2 + Buffer.byteLength(reason));
  p.writeUInt16BE(code, 0);
  p.write(reason, 2);
  return frame({ opcode: 8, payload: p });
};

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** Collects unmasked server frames from `socket` (after the 101 head was consumed). */
export class FrameReader {
  readonly frames: ServerFrame[] = [];
  ended = false;
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.parse();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  private parse(): void {
    for (;;) {
      if (this.buf.length < 2) return;
      let len = this.buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      if (this.buf.length < off + len) return;
      this.frames.push({ opcode: this.buf[0] & 0x0f, payload: this.buf.subarray(off, off + len) });
      this.buf = this.buf.subarray(off + len);
      this.wake();
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the first frame matching `opcode`, or rejects after `ms`. */
  async next(opcode: number, ms = 5000): Promise<ServerFrame> {
    const deadline = performance.now() + ms;
    for (;;) {
      const f = this.frames.find((x) => x.opcode === opcode);
      if (f) return f;
      if (this.ended) throw new Error(`socket closed before a frame with opcode ${opcode}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for a frame with opcode ${opcode}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The close code the server sent (undefined for an empty close body). */
  async closeCode(ms = 5000): Promise<number | undefined> {
    const f = await this.next(8, ms);
    return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : undefined;
  }
}
