// rate-limit: a token bucket (`rate` tokens a second, up to `burst`) per session, or per key taken
// from a request header or a JSON field and shared by every session of the pipeline. A message
// takes one token; without one it is dropped, answered with `reply`, or the session is closed 1008.
import { getPath, parseJsonContainer, parsePath, PATH_PATTERN } from './lib/json-path.js';
import { directionOption, directions, perOptions } from './lib/per-options.js';

export const options = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    rate: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 10,
      description: 'Tokens added per second (the sustained messages per second).',
    },
    burst: {
      type: 'number',
      minimum: 1,
      description: 'Bucket size: messages allowed at once after a quiet spell. Default: rate (at least 1).',
    },
    key: {
      type: 'object',
      description: 'Share one bucket per key value across sessions. Omitted: one bucket per session.',
      properties: {
        header: { type: 'string', minLength: 1, description: 'Request header whose value is the key.' },
        json: {
          type: 'string',
          pattern: PATH_PATTERN,
          description: "JSON path of the key in each message, e.g. 'user.id'.",
        },
      },
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: false,
    },
    maxKeys: {
      type: 'integer',
      minimum: 1,
      default: 10000,
      description: 'Most keyed buckets kept; the least recently used are forgotten beyond it.',
    },
    direction: directionOption('fromClient'),
    action: {
      enum: ['drop', 'reply', 'close'],
      default: 'drop',
      description:
        'Over the limit: drop the message, drop it and answer the sender with `reply`, or close 1008.',
    },
    reply: {
      type: ['string', 'object', 'array'],
      default: 'rate limit exceeded',
      description: 'What action reply sends back: a text, or a JSON object/array sent as JSON text.',
    },
  },
  additionalProperties: false,
};

const config = perOptions((o) => ({
  ...directions(o.direction),
  rate: o.rate / 1000, // tokens per ms
  burst: o.burst ?? Math.max(1, o.rate),
  header: o.key?.header?.toLowerCase(),
  json: o.key?.json === undefined ? undefined : parsePath(o.key.json),
  maxKeys: o.maxKeys,
  action: o.action,
  reply: typeof o.reply === 'string' ? o.reply : JSON.stringify(o.reply),
  // keyed buckets live here, in module scope: shared by the pipeline's sessions, fresh on reload
  buckets: new Map(),
}));

export function fromClient(msg, ctx) {
  const c = config(ctx.options);
  return c.fromClient ? limit(msg, ctx, c, true) : undefined;
}

export function fromBackend(msg, ctx) {
  const c = config(ctx.options);
  return c.fromBackend ? limit(msg, ctx, c, false) : undefined;
}

function limit(msg, ctx, c, fromClientSide) {
  const now = ctx.now();
  const bucket = bucketOf(msg, ctx, c, now);
  const tokens = Math.min(c.burst, bucket.tokens + Math.max(0, now - bucket.at) * c.rate);
  bucket.at = now;
  if (tokens >= 1) {
    bucket.tokens = tokens - 1;
    return undefined;
  }
  bucket.tokens = tokens;
  if (c.action === 'close') ctx.close(1008, 'rate limit exceeded');
  else if (c.action === 'reply') {
    if (fromClientSide) ctx.sendToClient(c.reply);
    else ctx.sendToBackend(c.reply);
  }
  return null;
}

function bucketOf(msg, ctx, c, now) {
  let key;
  if (c.header !== undefined) key = ctx.session.headers[c.header];
  else if (c.json !== undefined && msg.type === 'text') {
    const v = getPath(parseJsonContainer(msg.data), c.json);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') key = String(v);
  }
  if (key === undefined) {
    // no key (or per-session limiting): the session's own bucket, kept in ctx.state
    const s = ctx.state;
    if (s.tokens === undefined) {
      s.tokens = c.burst;
      s.at = now;
    }
    return s;
  }
  let b = c.buckets.get(key);
  if (b === undefined) {
    if (c.buckets.size >= c.maxKeys) c.buckets.delete(c.buckets.keys().next().value);
    b = { tokens: c.burst, at: now };
  } else c.buckets.delete(key);
  c.buckets.set(key, b); // most recently used last
  return b;
}
