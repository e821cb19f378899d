// Messages as pipeline test files and the harness write them: a string is text, `{ text, repeat }`
// repeats it, `{ binary: <base64> }` is binary, `{ json: value }` is the value serialized. Output
// messages are given back as a string (text) or a Buffer (binary).
import { isDeepStrictEqual } from 'node:util';
import type { WireMessage } from '../pipeline/types.ts';

/** A message to send, as a test file or harness caller writes it. */
export type MessageInput =
  | string
  | Uint8Array
  | { text: string; repeat?: number }
  | { binary: string | Uint8Array; repeat?: number }
  | { json: unknown };

/** A message that reached a side: text as a string, binary as a Buffer. */
export type Delivered = string | Buffer;

/** An expected message: a string is exact text; `{json}` compares parsed JSON; `{binary}` base64. */
export type ExpectedMessage =
  | string
  | { text: string; repeat?: number }
  | { binary: string }
  | { json: unknown };

/** Turns an input message into what the session would push. */
export function toWire(input: MessageInput): WireMessage {
  if (typeof input === 'string') return { data: Buffer.from(input), binary: false };
  if (input instanceof Uint8Array) return { data: Buffer.from(input), binary: true };
  if ('json' in input) return { data: Buffer.from(JSON.stringify(input.json) ?? 'null'), binary: false };
  if ('text' in input) return { data: Buffer.from(input.text.repeat(input.repeat ?? 1)), binary: false };
  const bytes = typeof input.binary === 'string' ? Buffer.from(input.binary, 'base64') : input.binary;
  const n = input.repeat ?? 1;
  return {
    data: n === 1 ? Buffer.from(bytes) : Buffer.concat(Array.from({ length: n }, () => bytes)),
    binary: true,
  };
}

/** What a side received, as the harness reports it. */
export function delivered(msg: WireMessage): Delivered {
  return msg.binary ? Buffer.from(msg.data) : msg.data.toString('utf8');
}

/** True when `actual` is what `expected` describes. */
export function matches(expected: ExpectedMessage, actual: Delivered): boolean {
  if (typeof expected === 'string') return typeof actual === 'string' && actual === expected;
  if ('binary' in expected)
    return Buffer.isBuffer(actual) && actual.equals(Buffer.from(expected.binary, 'base64'));
  if (typeof actual !== 'string') return false;
  if ('text' in expected) return actual === expected.text.repeat(expected.repeat ?? 1);
  try {
    return isDeepStrictEqual(JSON.parse(actual), expected.json);
  } catch {
    return false;
  }
}

/** One message for a diff or a replay: text as JSON string literal, binary as `<binary N bytes: base64>`. */
export function showDelivered(m: Delivered, max = 200): string {
  if (typeof m === 'string') return JSON.stringify(clip(m, max));
  return `<binary ${m.length} bytes: ${clip(m.toString('base64'), max)}>`;
}

/** An expected message as the user wrote it, for a diff. */
export function showExpected(e: ExpectedMessage, max = 200): string {
  if (typeof e === 'string') return JSON.stringify(clip(e, max));
  if ('binary' in e)
    return `<binary ${Buffer.from(e.binary, 'base64').length} bytes: ${clip(e.binary, max)}>`;
  if ('text' in e) return JSON.stringify(clip(e.text.repeat(e.repeat ?? 1), max));
  return `json ${clip(JSON.stringify(e.json) ?? 'undefined', max)}`;
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}
