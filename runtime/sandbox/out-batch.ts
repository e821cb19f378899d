// Items queued on the proxy side for one batch frame, and their encoding (batch-format.ts).
import type { WireMessage } from '../pipeline/types.ts';
import type { ValvePipeline } from '../pipeline/valve-pipeline.ts';
import { OP_CLOSE, OP_FAILOVER, OP_FROM_BACKEND } from './batch-format.ts';
import { FRAME_BATCH } from './frames.ts';

/** A batch is sent once it holds this many items or bytes; later items go to the next one. */
export const MAX_BATCH_ITEMS = 8192;
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export class OutBatch {
  n = 0;
  bytes = 0;
  readonly op: number[] = [];
  readonly pipe: ValvePipeline[] = [];
  readonly msg: (WireMessage | undefined)[] = [];
  readonly json: (string | undefined)[] = [];
  /** Called once every item has its verdict (or the batch was dropped): ValveHost.settled(). */
  waiters: (() => void)[] | undefined;

  get full(): boolean {
    return this.n >= MAX_BATCH_ITEMS || this.bytes >= MAX_BATCH_BYTES;
  }

  add(pipe: ValvePipeline, op: number, msg: WireMessage | undefined, json: string | undefined): void {
    const i = this.n++;
    this.op[i] = op;
    this.pipe[i] = pipe;
    this.msg[i] = msg;
    this.json[i] = json;
    this.bytes += msg !== undefined ? msg.data.length + 10 : json !== undefined ? json.length * 3 + 14 : 5;
  }

  /** Wakes whoever waits for this batch to be answered. */
  settle(): void {
    const w = this.waiters;
    this.waiters = undefined;
    if (w !== undefined) for (const f of w) f();
  }

  /** Puts items in front of this batch (re-registering sessions after a host restart). */
  prepend(other: OutBatch): void {
    this.op.unshift(...other.op);
    this.pipe.unshift(...other.pipe);
    this.msg.unshift(...other.msg);
    this.json.unshift(...other.json);
    this.n += other.n;
    this.bytes += other.bytes;
  }

  /** The batch frame. */
  encode(id: number, now: number): Buffer {
    let size = 4 + 1 + 4 + 8 + 4;
    for (let i = 0; i < this.n; i++) {
      const m = this.msg[i];
      const j = this.json[i];
      size += 5 + (m !== undefined ? 5 + m.data.length : j !== undefined ? 8 + Buffer.byteLength(j) : 0);
    }
    const buf = Buffer.allocUnsafe(size);
    buf[4] = FRAME_BATCH;
    buf.writeUInt32LE(id >>> 0, 5);
    buf.writeDoubleLE(now, 9);
    buf.writeUInt32LE(this.n, 17);
    let p = 21;
    for (let i = 0; i < this.n; i++) {
      const op = this.op[i];
      buf[p] = op;
      buf.writeUInt32LE(this.pipe[i].handle, p + 1);
      p += 5;
      if (op <= OP_FROM_BACKEND) {
        const m = this.msg[i] as WireMessage;
        buf[p] = m.binary ? 1 : 0;
        buf.writeUInt32LE(m.data.length, p + 1);
        m.data.copy(buf, p + 5);
        p += 5 + m.data.length;
      } else if (op !== OP_CLOSE) {
        const j = this.json[i] ?? '{}';
        const hasVersion = op !== OP_FAILOVER; // failover carries no version
        if (hasVersion) {
          buf.writeUInt32LE(this.pipe[i].version.id, p);
          p += 4;
        }
        const n = buf.write(j, p + 4, 'utf8');
        buf.writeUInt32LE(n, p);
        p += 4 + n;
      }
    }
    buf.writeUInt32LE(p - 4, 0);
    return buf.subarray(0, p);
  }
}
