// transform: edits JSON messages by path — rename fields, then delete, then set. Messages that are
// not a JSON object or array pass unchanged.
import {
  CONCRETE_PATH_PATTERN,
  deletePath,
  movePath,
  parseJsonContainer,
  parsePath,
  PATH_PATTERN,
  setPath,
} from './lib/json-path.js';
import { directionOption, directions, perOptions } from './lib/per-options.js';

export const options = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    rename: {
      type: 'object',
      propertyNames: { pattern: CONCRETE_PATH_PATTERN },
      additionalProperties: { type: 'string', pattern: CONCRETE_PATH_PATTERN },
      description: "Moves fields: { 'from.path': 'to.path' } (paths without wildcards).",
    },
    delete: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', pattern: PATH_PATTERN },
      description: 'Paths of the fields to delete (array elements are removed).',
    },
    set: {
      type: 'object',
      propertyNames: { pattern: PATH_PATTERN },
      description:
        "Sets fields to JSON values: { 'meta.via': 'sluice' }. Missing objects on the way are created.",
    },
    direction: directionOption('fromClient'),
  },
  anyOf: [{ required: ['rename'] }, { required: ['delete'] }, { required: ['set'] }],
  additionalProperties: false,
};

const config = perOptions((o) => {
  const rename = Object.entries(o.rename ?? {}).map(([from, to]) => [parsePath(from), parsePath(to)]);
  // ctx.options is frozen: an object value gets one unfrozen copy, which a later `set` path may fill
  // in. Only set puts it into a message, after rename and delete, so sharing it stays safe.
  const set = Object.keys(o.set ?? {}).map((p) => [parsePath(p), JSON.parse(JSON.stringify(o.set[p]))]);
  return { ...directions(o.direction), rename, remove: (o.delete ?? []).map(parsePath), set };
});

export function fromClient(msg, ctx) {
  const c = config(ctx.options);
  return c.fromClient ? transform(msg, c) : undefined;
}

export function fromBackend(msg, ctx) {
  const c = config(ctx.options);
  return c.fromBackend ? transform(msg, c) : undefined;
}

function transform(msg, c) {
  if (msg.type !== 'text') return undefined;
  const root = parseJsonContainer(msg.data);
  if (root === undefined) return undefined;
  let changed = false;
  for (let i = 0; i < c.rename.length; i++)
    if (movePath(root, c.rename[i][0], c.rename[i][1])) changed = true;
  for (let i = 0; i < c.remove.length; i++) if (deletePath(root, c.remove[i]) > 0) changed = true;
  for (let i = 0; i < c.set.length; i++) if (setPath(root, c.set[i][0], c.set[i][1]) > 0) changed = true;
  return changed ? JSON.stringify(root) : undefined;
}
