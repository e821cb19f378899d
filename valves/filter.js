// filter: lets a message through only if it passes every rule given: `allow` (a pattern must
// match), `deny` (no pattern may match), `values` / `denyValues` (a JSON field's value must / must
// not be one of). Others are dropped, or the session is closed 1008.
import { getPath, parseJsonContainer, parsePath, PATH_PATTERN } from './lib/json-path.js';
import { directionOption, directions, perOptions } from './lib/per-options.js';

const patterns = (what) => ({
  type: 'array',
  minItems: 1,
  items: { type: 'string', format: 'regex' },
  description: `Regular expressions (JavaScript syntax) tested against the text: ${what}.`,
});
const scalars = (what) => ({
  type: 'array',
  minItems: 1,
  items: { type: ['string', 'number', 'boolean', 'null'] },
  description: `Values of \`field\`: ${what}.`,
});

export const options = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    allow: patterns('a message passes only if one of them matches'),
    deny: patterns('a message that any of them matches is rejected'),
    flags: {
      type: 'string',
      pattern: '^(?!.*(.).*\\1)[imsu]*$',
      default: '',
      description: "Flags for every pattern: i (ignore case), m, s, u. E.g. 'i'.",
    },
    field: {
      type: 'string',
      pattern: PATH_PATTERN,
      description: "JSON path of the field `values` look at, e.g. 'type'.",
    },
    values: scalars('a message passes only if the field has one of them (a missing field does not)'),
    denyValues: scalars('a message whose field has one of them is rejected'),
    direction: directionOption('fromClient'),
    action: {
      enum: ['drop', 'close'],
      default: 'drop',
      description: 'A rejected message is dropped; close: dropped and the session is closed with 1008.',
    },
  },
  anyOf: [
    { required: ['allow'] },
    { required: ['deny'] },
    { required: ['values'] },
    { required: ['denyValues'] },
  ],
  dependentRequired: { values: ['field'], denyValues: ['field'] },
  additionalProperties: false,
};

const config = perOptions((o) => ({
  ...directions(o.direction),
  allow: o.allow?.map((p) => new RegExp(p, o.flags)),
  deny: o.deny?.map((p) => new RegExp(p, o.flags)),
  field: o.field === undefined ? undefined : parsePath(o.field),
  values: o.values === undefined ? undefined : new Set(o.values),
  denyValues: o.denyValues === undefined ? undefined : new Set(o.denyValues),
  close: o.action === 'close',
}));

export function fromClient(msg, ctx) {
  const c = config(ctx.options);
  return c.fromClient && !passes(msg, c) ? reject(ctx, c) : undefined;
}

export function fromBackend(msg, ctx) {
  const c = config(ctx.options);
  return c.fromBackend && !passes(msg, c) ? reject(ctx, c) : undefined;
}

function reject(ctx, c) {
  if (c.close) ctx.close(1008, 'message rejected by filter');
  return null;
}

// A binary message is text no pattern matches, and has no JSON field.
function passes(msg, c) {
  const text = msg.type === 'text' ? msg.data : undefined;
  if (c.deny !== undefined && text !== undefined && anyMatch(c.deny, text)) return false;
  if (c.allow !== undefined && (text === undefined || !anyMatch(c.allow, text))) return false;
  if (c.field === undefined) return true;
  const value = text === undefined ? undefined : getPath(parseJsonContainer(text), c.field);
  if (c.values !== undefined && (value === undefined || !c.values.has(value))) return false;
  if (c.denyValues !== undefined && value !== undefined && c.denyValues.has(value)) return false;
  return true;
}

function anyMatch(res, text) {
  for (let i = 0; i < res.length; i++) if (res[i].test(text)) return true;
  return false;
}
