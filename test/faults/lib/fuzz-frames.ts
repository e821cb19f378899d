// Wire input generators for the fuzzer (scripts/fuzz.ts): WebSocket frames (random, and mutations
// of a plausible session) and upgrade request heads. All randomness comes from the seeded Rng, so
// a seed reproduces the inputs.
import type { Rng } from './rng.ts';

export interface FrameSpec {
  opcode: number;
  fin: boolean;
  rsv: number;
  masked: boolean;
  payload: Buffer;
  /** A length field that lies about the payload. */
  lengthField?: bigint;
}

/** Encodes one frame (masked with a key from `rng`). */
export function encodeFrame(rng: Rng, f: FrameSpec): Buffer {
  const len = f.lengthField ?? BigInt(f.payload.length);
  const b0 = (f.fin ? 0x80 : 0) | ((f.rsv & 7) << 4) | (f.opcode & 0x0f);
  const m = f.masked ? 0x80 : 0;
  let head: Buffer;
  if (len < 126n) head = Buffer.from([b0, m | Number(len)]);
  else if (len < 65536n) {
    head = Buffer.from([b0, m | 126, 0, 0]);
    head.writeUInt16BE(Number(len), 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = m | 127;
    head.writeBigUInt64BE(len & 0xffffffffffffffffn, 2);
  }
  if (!f.masked) return Buffer.concat([head, f.payload]);
  const key = rng.bytes(4);
  const body = Buffer.from(f.payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([head, key, body]);
}

const closePayload = (code: number, reason: string) => {
  const p = Buffer.alloc(2 + Buffer.byteLength(reason));
  p.writeUInt16BE(code & 0xffff, 0);
  p.write(reason, 2);
  return p;
};

/** A plausible client session: text, binary, pings, a fragmented message, maybe a close. */
export function plausibleFrames(rng: Rng): FrameSpec[] {
  const frames: FrameSpec[] = [];
  const n = rng.range(1, 6);
  for (let i = 0; i < n; i++) {
    const kind = rng.int(5);
    if (kind === 0)
      frames.push({ opcode: 1, fin: true, rsv: 0, masked: true, payload: Buffer.from(`hello ${i}`) });
    else if (kind === 1)
      frames.push({ opcode: 2, fin: true, rsv: 0, masked: true, payload: rng.bytes(rng.size(2000)) });
    else if (kind === 2)
      frames.push({ opcode: 9, fin: true, rsv: 0, masked: true, payload: rng.bytes(rng.int(126)) });
    else if (kind === 3) {
      frames.push({ opcode: 1, fin: false, rsv: 0, masked: true, payload: Buffer.from('frag-') });
      frames.push({ opcode: 9, fin: true, rsv: 0, masked: true, payload: Buffer.from('p') });
      frames.push({ opcode: 0, fin: true, rsv: 0, masked: true, payload: Buffer.from('ment') });
    } else frames.push({ opcode: 10, fin: true, rsv: 0, masked: true, payload: rng.bytes(rng.int(20)) });
  }
  if (rng.chance(0.3)) {
    const code = rng.pick([1000, 1001, 1002, 1005, 1006, 1015, 3000, 4001, 999, 5000, 65535]);
    frames.push({
      opcode: 8,
      fin: true,
      rsv: 0,
      masked: true,
      payload: closePayload(code, rng.chance(0.5) ? 'bye' : ''),
    });
  }
  return frames;
}

/** Frames with every field random (opcodes, flags, masks, lying lengths). */
export function randomFrames(rng: Rng): FrameSpec[] {
  return Array.from({ length: rng.range(1, 8) }, () => ({
    opcode: rng.chance(0.7) ? rng.pick([0, 1, 2, 8, 9, 10]) : rng.int(16),
    fin: rng.chance(0.8),
    rsv: rng.chance(0.85) ? 0 : rng.int(8),
    masked: rng.chance(0.9),
    payload: rng.bytes(rng.size(70_000)),
    lengthField: rng.chance(0.1)
      ? rng.pick([0n, 1n, 126n, 65536n, 2n ** 31n, 2n ** 63n - 1n, 2n ** 64n - 1n])
      : undefined,
  }));
}

/** Byte-level mutations: flips, inserts, deletes, duplications, truncation. */
export function mutateBytes(rng: Rng, input: Buffer): Buffer {
  let b: Buffer = Buffer.from(input);
  const n = rng.range(1, 8);
  for (let i = 0; i < n && b.length > 0; i++) {
    const at = rng.int(b.length);
    const op = rng.int(5);
    if (op === 0) b[at] ^= 1 << rng.int(8);
    else if (op === 1) b[at] = rng.int(256);
    else if (op === 2) b = Buffer.concat([b.subarray(0, at), rng.bytes(rng.range(1, 16)), b.subarray(at)]);
    else if (op === 3)
      b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.range(1, 16)))]);
    else b = Buffer.concat([b, b.subarray(at, Math.min(b.length, at + rng.range(1, 64)))]);
  }
  if (rng.chance(0.2)) b = b.subarray(0, rng.int(b.length + 1));
  return b;
}

/** An upgrade request head, often broken; `complete` when it ends with the blank line. */
export function handshakeHead(rng: Rng, hostPort: string, key: string): { head: Buffer; complete: boolean } {
  const method = rng.chance(0.8)
    ? 'GET'
    : rng.pick(['POST', 'PUT', 'HEAD', 'OPTIONS', 'CONNECT', 'get', 'G\u0000T', '']);
  const path = rng.chance(0.7)
    ? rng.pick([
        '/',
        '/echo?x=1',
        '/a/b/../c',
        '/%00',
        '*',
        'http://evil.example/',
        `/${'x'.repeat(rng.size(70_000))}`,
      ])
    : `/${rng.bytes(rng.int(40)).toString('latin1')}`;
  const version = rng.chance(0.85) ? 'HTTP/1.1' : rng.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', '']);
  const headers: [string, string][] = [
    ['Host', hostPort],
    ['Connection', 'Upgrade'],
    ['Upgrade', 'websocket'],
    ['Sec-WebSocket-Version', '13'],
    ['Sec-WebSocket-Key', key],
  ];
  const extras: [string, string][] = [
    ['Sec-WebSocket-Protocol', rng.pick(['a', 'a, b', '', ',,,', 'x'.repeat(300)])],
    [
      'Sec-WebSocket-Extensions',
      rng.pick(['permessage-deflate', 'permessage-deflate; client_max_window_bits', 'x; y=;', '']),
    ],
    ['Origin', rng.pick(['http://evil.example', 'null', ''])],
    ['X-Forwarded-For', rng.pick(['1.2.3.4', 'garbage, , ::1', ''])],
    ['X-Balancer-Reconnect', '1'],
    ['Content-Length', rng.pick(['0', '10', '-1', 'abc'])],
    ['Transfer-Encoding', 'chunked'],
  ];
  for (const e of extras) if (rng.chance(0.15)) headers.push(e);
  const mutations = rng.int(4);
  for (let i = 0; i < mutations; i++) {
    const h = rng.int(headers.length);
    const op = rng.int(5);
    if (op === 0) headers.splice(h, 1);
    else if (op === 1) headers.push(headers[h]);
    else if (op === 2)
      headers[h] = [
        headers[h][0],
        rng
          .bytes(rng.size(300))
          .toString('latin1')
          .replace(/[\r\n]/g, ''),
      ];
    else if (op === 3) headers[h] = [headers[h][0].toLowerCase(), headers[h][1]];
    else for (let k = rng.size(3000); k > 0; k--) headers.push([`X-Many-${k}`, 'v']);
  }
  const complete = rng.chance(0.85);
  let text = `${method} ${path} ${version}\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n`;
  if (complete) text += '\r\n';
  let head: Buffer = Buffer.from(text, 'latin1');
  if (rng.chance(0.1)) head = mutateBytes(rng, head);
  return { head, complete: complete && head.includes('\r\n\r\n') };
}
