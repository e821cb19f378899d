// size-limit: drops messages larger than a byte limit (per direction), or closes the session 1009.
import { directionOption, perOptions } from './lib/per-options.js';

export const options = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    maxBytes: {
      type: 'integer',
      minimum: 0,
      default: 65536,
      description: 'The largest message let through, in bytes (a text message counts its UTF-8 bytes).',
    },
    fromClient: { type: 'integer', minimum: 0, description: 'maxBytes for client → backend messages.' },
    fromBackend: { type: 'integer', minimum: 0, description: 'maxBytes for backend → client messages.' },
    direction: directionOption('both'),
    action: {
      enum: ['drop', 'close'],
      default: 'drop',
      description:
        'drop: drop the message; close: drop it and close the session with 1009 (message too big).',
    },
  },
  additionalProperties: false,
};

const limits = perOptions((o) => ({
  fromClient: o.direction === 'fromBackend' ? Infinity : (o.fromClient ?? o.maxBytes),
  fromBackend: o.direction === 'fromClient' ? Infinity : (o.fromBackend ?? o.maxBytes),
  close: o.action === 'close',
}));

export function fromClient(msg, ctx) {
  const l = limits(ctx.options);
  return tooBig(msg, l.fromClient) ? reject(l, l.fromClient, ctx) : undefined;
}

export function fromBackend(msg, ctx) {
  const l = limits(ctx.options);
  return tooBig(msg, l.fromBackend) ? reject(l, l.fromBackend, ctx) : undefined;
}

function reject(l, max, ctx) {
  if (l.close) ctx.close(1009, `message larger than ${max} bytes`);
  return null;
}

function tooBig(msg, max) {
  if (msg.type === 'binary') return msg.data.byteLength > max;
  const s = msg.data;
  // A UTF-16 unit is 1 to 3 UTF-8 bytes (a surrogate pair 4): count only when the length cannot tell.
  if (s.length > max) return true;
  if (s.length * 3 <= max) return false;
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > max) return true;
  }
  return false;
}
