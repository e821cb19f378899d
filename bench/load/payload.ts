// The bench's messages: JSON text of an exact byte size, every target gets the same bytes. A
// zero-padded sequence number sits at a fixed offset so a load process can match an echo to its
// send without parsing JSON; the fields are what the bench valves check and redact.

const HEAD = '{"seq":"';
/** Where the 10 sequence digits start in every message. */
export const SEQ_OFFSET = HEAD.length;
const SEQ_DIGITS = 10;
const SMALLEST = `${HEAD}${'0'.repeat(SEQ_DIGITS)}","id":1,"type":"t","token":"secret","pad":""}`;

/** A JSON message of exactly `size` bytes (at least 64), with sequence number 0. */
export function makePayload(size: number): Buffer {
  if (size < SMALLEST.length)
    throw new Error(`bench payloads are at least ${SMALLEST.length} bytes, not ${size}`);
  const pad = 'x'.repeat(size - SMALLEST.length);
  return Buffer.from(SMALLEST.replace('"pad":""', `"pad":"${pad}"`), 'latin1');
}

/** A copy of `template` carrying `seq` (ws may still hold the buffer after send(): never reuse one). */
export function stamp(template: Buffer, seq: number): Buffer {
  const buf = Buffer.allocUnsafe(template.length);
  template.copy(buf);
  let n = seq;
  for (let i = SEQ_OFFSET + SEQ_DIGITS - 1; i >= SEQ_OFFSET; i--) {
    buf[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return buf;
}

/** The sequence number of an echoed message, or -1 if it carries none. */
export function readSeq(buf: Buffer): number {
  if (buf.length < SEQ_OFFSET + SEQ_DIGITS) return -1;
  let n = 0;
  for (let i = SEQ_OFFSET; i < SEQ_OFFSET + SEQ_DIGITS; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
