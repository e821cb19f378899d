// chaos: for resilience tests — drops, duplicates, delays a share of the messages, or closes the
// session on one. Each session draws from its own seeded generator, so a run is repeatable.
import { directionOption, directions, perOptions } from './lib/per-options.js';

const share = (what) => ({
  type: 'number',
  minimum: 0,
  maximum: 1,
  default: 0,
  description: `Share of messages ${what}.`,
});

export const options = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    drop: share('dropped'),
    duplicate: share('sent twice'),
    delay: share('held back delayMs (plus up to jitterMs)'),
    close: share('on which the session is closed with closeCode (the message is dropped)'),
    delayMs: {
      type: 'integer',
      minimum: 0,
      maximum: 60000,
      default: 100,
      description: 'How long a delayed message is held.',
    },
    jitterMs: {
      type: 'integer',
      minimum: 0,
      maximum: 60000,
      default: 0,
      description: 'Up to this much more, drawn per delayed message (the total is capped at 60000).',
    },
    closeCode: {
      type: 'integer',
      anyOf: [
        { minimum: 1000, maximum: 1003 },
        { minimum: 1007, maximum: 1014 },
        { minimum: 3000, maximum: 4999 },
      ],
      default: 1011,
      description: 'The close code: 1000-1003, 1007-1014 or 3000-4999.',
    },
    seed: {
      type: 'integer',
      default: 1,
      description: 'Seed of the generator; same seed, same session path: same run.',
    },
    direction: directionOption('both'),
  },
  additionalProperties: false,
};

const config = perOptions((o) => ({
  ...directions(o.direction),
  // one draw per message, compared with the cumulative shares in this order
  drop: o.drop,
  duplicate: o.drop + o.duplicate,
  delay: o.drop + o.duplicate + o.delay,
  close: o.drop + o.duplicate + o.delay + o.close,
  delayMs: o.delayMs,
  jitterMs: o.jitterMs,
  closeCode: o.closeCode,
  seed: o.seed >>> 0,
}));

export function fromClient(msg, ctx) {
  const c = config(ctx.options);
  return c.fromClient ? chaos(msg, ctx, c) : undefined;
}

export function fromBackend(msg, ctx) {
  const c = config(ctx.options);
  return c.fromBackend ? chaos(msg, ctx, c) : undefined;
}

function chaos(msg, ctx, c) {
  const r = random(ctx, c);
  if (r < c.drop) return null;
  if (r < c.duplicate) return [msg, msg];
  if (r < c.delay) {
    const extra = c.jitterMs === 0 ? 0 : Math.floor(random(ctx, c) * (c.jitterMs + 1));
    ctx.delay(Math.min(60000, c.delayMs + extra));
    return undefined;
  }
  if (r < c.close) {
    ctx.close(c.closeCode, 'chaos');
    return null;
  }
  return undefined;
}

// mulberry32, its 32-bit state kept in ctx.state (JSON-like, carried across reloads)
function random(ctx, c) {
  const s = ctx.state;
  if (s.rng === undefined) s.rng = (c.seed ^ hash(ctx.session.path)) >>> 0;
  s.rng = (s.rng + 0x6d2b79f5) >>> 0;
  let t = s.rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// FNV-1a: sessions on different paths get different sequences
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
