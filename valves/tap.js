// tap: logs a sample of the messages (ctx.log.info), with fields masked and long ones cut. It never
// changes a message. Sampling counts messages, so which ones are logged is repeatable.
import { parseJsonContainer, PATH_PATTERN } from './lib/json-path.js';
import { directionOption, directions, perOptions } from './lib/per-options.js';
import { compileRedaction, mayMatch, redactValue } from './lib/redaction.js';

export const options = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    sample: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 1,
      description: 'Share of the messages logged: 0.1 logs the 1st, 11th, 21st… message the valve sees.',
    },
    redact: {
      type: 'array',
      items: { type: 'string', pattern: PATH_PATTERN },
      default: [],
      description: "JSON paths masked with '***' in the log (the message itself is not changed).",
    },
    maxChars: {
      type: 'integer',
      minimum: 1,
      default: 500,
      description: 'Longer message text is cut to this many characters in the log.',
    },
    label: { type: 'string', description: 'Put at the start of each line, to tell several taps apart.' },
    direction: directionOption('both'),
  },
  additionalProperties: false,
};

const config = perOptions((o) => ({
  ...directions(o.direction),
  sample: o.sample,
  redaction: o.redact.length === 0 ? undefined : compileRedaction(o.redact, '***'),
  maxChars: o.maxChars,
  prefix: o.label === undefined ? '' : `${o.label} `,
  seen: 0, // messages seen by this entry, all sessions together (module scope: resets on reload)
}));

export function fromClient(msg, ctx) {
  const c = config(ctx.options);
  if (c.fromClient && sampled(c)) log(msg, ctx, c, 'client → backend');
}

export function fromBackend(msg, ctx) {
  const c = config(ctx.options);
  if (c.fromBackend && sampled(c)) log(msg, ctx, c, 'backend → client');
}

// The n-th message (from 0) is logged when n × sample crosses a whole number.
function sampled(c) {
  const n = c.seen++;
  return Math.floor(n * c.sample) !== Math.floor((n - 1) * c.sample);
}

function log(msg, ctx, c, way) {
  const body = msg.type === 'text' ? describeText(msg.data, c) : describeBinary(msg.data, c.maxChars);
  ctx.log.info(`${c.prefix}${way} ${ctx.session.id} ${body}`);
}

function describeText(text, c) {
  let shown = text;
  if (c.redaction !== undefined && mayMatch(text, c.redaction)) {
    const root = parseJsonContainer(text);
    if (root !== undefined && redactValue(root, c.redaction) > 0) shown = JSON.stringify(root);
  }
  return `text: ${cut(shown, c.maxChars)}`;
}

function describeBinary(data, maxChars) {
  const n = Math.min(data.byteLength, Math.ceil(maxChars / 3));
  let hex = '';
  for (let i = 0; i < n; i++) hex += (i === 0 ? '' : ' ') + (data[i] < 16 ? '0' : '') + data[i].toString(16);
  return `binary ${data.byteLength} bytes: ${cut(hex, maxChars)}${n < data.byteLength ? ' …' : ''}`;
}

function cut(s, max) {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} chars)`;
}
