// redact: masks JSON fields by path (`user.password`, `items[*].card`, `**.idTag`). Messages that
// are not JSON, or have none of the fields, pass unchanged.
import { parseJsonContainer, PATH_PATTERN } from './lib/json-path.js';
import { directionOption, directions, perOptions } from './lib/per-options.js';
import { compileRedaction, mayMatch, redactValue } from './lib/redaction.js';

export const options = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    paths: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', pattern: PATH_PATTERN },
      description: "JSON paths of the fields to mask, e.g. 'user.password', 'items[*].card', '**.idTag'.",
    },
    mask: { default: '***', description: 'The value put in place of each field found (any JSON value).' },
    direction: directionOption('both'),
  },
  required: ['paths'],
  additionalProperties: false,
};

const config = perOptions((o) => ({ ...directions(o.direction), ...compileRedaction(o.paths, o.mask) }));

export function fromClient(msg, ctx) {
  const c = config(ctx.options);
  return c.fromClient ? redact(msg, c) : undefined;
}

export function fromBackend(msg, ctx) {
  const c = config(ctx.options);
  return c.fromBackend ? redact(msg, c) : undefined;
}

function redact(msg, c) {
  if (msg.type !== 'text' || !mayMatch(msg.data, c)) return undefined;
  const root = parseJsonContainer(msg.data);
  if (root === undefined || redactValue(root, c) === 0) return undefined;
  return JSON.stringify(root);
}
