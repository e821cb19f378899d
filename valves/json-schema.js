// json-schema: validates JSON messages against an inline schema, or one picked by a discriminator
// field; invalid ones are dropped, answered with an error (text, JSON, OCPP CALLERROR or JSON-RPC
// error), or close the session with 1007. The keywords supported are those of lib/schema-subset.js.
import { formatPath, getPath, parsePath, PATH_PATTERN } from './lib/json-path.js';
import { directionOption, directions, perOptions } from './lib/per-options.js';
import { ANY, compileSchema, SUBSET_SCHEMA } from './lib/schema-subset.js';

const schemaRef = { $ref: '#/$defs/schema' };

export const options = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: { schema: SUBSET_SCHEMA },
  properties: {
    schema: {
      ...schemaRef,
      description:
        'The schema every message must match (with `schemas`: for discriminator values not listed).',
    },
    discriminator: {
      type: 'string',
      pattern: PATH_PATTERN,
      description:
        "JSON path of the field whose value picks the schema from `schemas`, e.g. 'type' or '[2]'.",
    },
    schemas: {
      type: 'object',
      additionalProperties: schemaRef,
      description: 'Schemas by discriminator value.',
    },
    target: {
      type: 'string',
      pattern: PATH_PATTERN,
      description: "Validate only the value at this JSON path (e.g. '[3]', an OCPP call's payload).",
    },
    direction: directionOption('fromClient'),
    binary: {
      enum: ['reject', 'pass'],
      default: 'reject',
      description: 'Binary messages cannot be JSON text: reject them (the action applies) or let them pass.',
    },
    action: {
      enum: ['drop', 'reply', 'close'],
      default: 'drop',
      description: 'An invalid message is dropped; reply: dropped and answered to its sender; close: 1007.',
    },
    replyFormat: {
      enum: ['text', 'json', 'ocpp', 'jsonrpc'],
      default: 'text',
      description: 'The answer of action reply: text, a JSON object, an OCPP CALLERROR or a JSON-RPC error.',
    },
    log: { type: 'boolean', default: false, description: 'Log each invalid message (ctx.log.warn).' },
  },
  anyOf: [{ required: ['schema'] }, { required: ['schemas'] }],
  dependentRequired: { schemas: ['discriminator'], discriminator: ['schemas'] },
  additionalProperties: false,
};

const OCPP_CODES = {
  json: 'FormationViolation',
  additionalProperties: 'FormationViolation',
  discriminator: 'NotImplemented',
  required: 'OccurenceConstraintViolation', // sic: OCPP 1.6's spelling
  minItems: 'OccurenceConstraintViolation',
  maxItems: 'OccurenceConstraintViolation',
  type: 'TypeConstraintViolation',
};

const config = perOptions((o) => {
  const schemas = new Map();
  for (const k of Object.keys(o.schemas ?? {})) schemas.set(k, compileSchema(o.schemas[k]));
  return {
    ...directions(o.direction),
    fallback: o.schema === undefined ? undefined : compileSchema(o.schema),
    discriminator: o.discriminator === undefined ? undefined : parsePath(o.discriminator),
    schemas,
    target: o.target === undefined ? undefined : parsePath(o.target),
    targetText: o.target ?? '',
    passBinary: o.binary === 'pass',
    o,
  };
});

export function fromClient(msg, ctx) {
  const c = config(ctx.options);
  return c.fromClient ? check(msg, ctx, c, 'client') : undefined;
}

export function fromBackend(msg, ctx) {
  const c = config(ctx.options);
  return c.fromBackend ? check(msg, ctx, c, 'backend') : undefined;
}

function check(msg, ctx, c, from) {
  if (msg.type === 'binary') {
    return c.passBinary
      ? undefined
      : reject(ctx, c, from, undefined, problem('json', 'is binary, not JSON text'));
  }
  let root;
  try {
    root = JSON.parse(msg.data);
  } catch {
    return reject(ctx, c, from, undefined, problem('json', 'is not JSON'));
  }
  let fn = c.fallback;
  if (c.discriminator !== undefined) {
    const d = getPath(root, c.discriminator);
    const picked =
      typeof d === 'string' || typeof d === 'number' || typeof d === 'boolean'
        ? c.schemas.get(String(d))
        : undefined;
    if (picked !== undefined) fn = picked;
    else if (fn === undefined) {
      const why = d === undefined ? 'is required' : `${JSON.stringify(d)} has no schema`;
      return reject(ctx, c, from, root, problem('discriminator', why, ctx.options.discriminator));
    }
  }
  if (fn === ANY) return undefined;
  let value = root;
  if (c.target !== undefined) {
    value = getPath(root, c.target);
    if (value === undefined)
      return reject(ctx, c, from, root, problem('required', 'is required', c.targetText));
  }
  const e = fn(value);
  if (e === undefined) return undefined;
  return reject(ctx, c, from, root, problem(e.keyword, e.message, formatPath(e.segs, c.targetText)));
}

function problem(keyword, message, path = '') {
  return { keyword, message, path };
}

function reject(ctx, c, from, root, e) {
  const detail = `${e.path === '' ? 'message' : e.path} ${e.message}`;
  const o = c.o;
  if (o.log) ctx.log.warn(`invalid message from the ${from}: ${detail}`);
  if (o.action === 'close') ctx.close(1007, `invalid message: ${detail}`);
  else if (o.action === 'reply') {
    const answer = replyFor(o.replyFormat, root, e, detail);
    if (answer !== undefined) {
      if (from === 'client') ctx.sendToClient(answer);
      else ctx.sendToBackend(answer);
    }
  }
  return null;
}

// The answer to an invalid message, or undefined when the protocol has no way to answer it.
function replyFor(format, root, e, detail) {
  if (format === 'text') return `invalid message: ${detail}`;
  if (format === 'json')
    return JSON.stringify({ error: 'invalid message', path: e.path, message: e.message });
  if (format === 'ocpp') {
    // only a CALL [2, uniqueId, action, payload] can be answered, with [4, uniqueId, code, description, details]
    if (!Array.isArray(root) || root[0] !== 2 || typeof root[1] !== 'string') return undefined;
    const code = OCPP_CODES[e.keyword] ?? 'PropertyConstraintViolation';
    return JSON.stringify([4, root[1], code, detail, e.path === '' ? {} : { path: e.path }]);
  }
  // jsonrpc: a request has an id; a notification gets no answer
  if (
    root !== undefined &&
    (root === null || typeof root !== 'object' || Array.isArray(root) || !('id' in root))
  ) {
    return undefined;
  }
  const id = root === undefined ? null : root.id;
  const [code, message] =
    e.keyword === 'json'
      ? [-32700, 'Parse error']
      : e.keyword === 'discriminator'
        ? [-32601, 'Method not found']
        : e.path === 'params' || e.path.startsWith('params.') || e.path.startsWith('params[')
          ? [-32602, 'Invalid params']
          : [-32600, 'Invalid Request'];
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    error: { code, message, data: { path: e.path, message: e.message } },
  });
}
