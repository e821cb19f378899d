// replay-unanswered: for request/response protocols. Remembers the client's requests the backend
// has not answered yet (in ctx.state, bounded); when the session fails over to another backend it
// re-sends them there, in order; an answer for a request answered already is dropped.
//   ocpp:    calls [2, "uniqueId", "Action", {…}] answered by [3, "uniqueId", …] or [4, "uniqueId", …]
//   jsonrpc: requests {"id": …, "method": …} answered by {"id": …, "result"|"error": …}
// Calls the backend sends to the client, and JSON-RPC batches (arrays), pass untracked.

export const options = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    protocol: { enum: ['ocpp', 'jsonrpc'], description: 'OCPP-J (1.6, 2.0.1) or JSON-RPC 2.0.' },
    maxPending: {
      type: 'integer',
      minimum: 1,
      default: 100,
      description: 'Most unanswered requests remembered per session; beyond it the oldest is forgotten.',
    },
    maxAgeMs: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'Requests older than this (ms) are not re-sent on failover; 0: no limit.',
    },
  },
  required: ['protocol'],
  additionalProperties: false,
};

// [2|3|4, "uniqueId" …: read without parsing the payload
const OCPP_HEAD = /^\s*\[\s*([234])\s*,\s*"((?:[^"\\]|\\.)*)"/;

export function open(ctx) {
  reset(ctx.state);
}

export function close(ctx) {
  reset(ctx.state);
}

export function fromClient(msg, ctx) {
  if (msg.type !== 'text') return undefined;
  const key = ctx.options.protocol === 'ocpp' ? ocppKey(msg.data, '2') : jsonRpcKey(msg.data, true);
  if (key === undefined) return undefined;
  const s = state(ctx);
  if (s.answered[key] !== undefined) {
    delete s.answered[key]; // the client reuses an id: answers to it are new again
    s.nAnswered--;
  }
  if (s.pending[key] === undefined) {
    if (s.nPending >= ctx.options.maxPending) forgetOldest(s.pending);
    else s.nPending++;
  } else delete s.pending[key]; // re-sent by the client: it moves to the end
  s.pending[key] = [ctx.now(), msg.data];
  return undefined;
}

export function fromBackend(msg, ctx) {
  if (msg.type !== 'text') return undefined;
  const key = ctx.options.protocol === 'ocpp' ? ocppKey(msg.data, '34') : jsonRpcKey(msg.data, false);
  if (key === undefined) return undefined;
  const s = state(ctx);
  if (s.pending[key] !== undefined) {
    delete s.pending[key];
    s.nPending--;
    if (s.nAnswered >= ctx.options.maxPending) forgetOldest(s.answered);
    else s.nAnswered++;
    s.answered[key] = 1;
    return undefined;
  }
  return s.answered[key] === undefined ? undefined : null; // a second answer (after a re-send): drop it
}

export function failover(ctx) {
  const s = state(ctx);
  const oldest = ctx.options.maxAgeMs === 0 ? -Infinity : ctx.now() - ctx.options.maxAgeMs;
  const resend = [];
  for (const key of Object.keys(s.pending)) {
    const [at, data] = s.pending[key];
    if (at >= oldest) resend.push(data);
    else {
      delete s.pending[key];
      s.nPending--;
    }
  }
  if (resend.length === 0) return undefined;
  ctx.log.info(`re-sending ${resend.length} unanswered request(s) to backend ${ctx.session.backend.id}`);
  return resend;
}

function reset(s) {
  // keys are prefixed so that object order is insertion order (integer-like keys would sort first)
  s.pending = {}; // key → [receivedAt, text]
  s.nPending = 0;
  s.answered = {}; // key → 1, the latest answered ids
  s.nAnswered = 0;
}

// ctx.state is empty again after the sandbox was lost: start over
function state(ctx) {
  const s = ctx.state;
  if (s.pending === undefined) reset(s);
  return s;
}

function forgetOldest(map) {
  for (const key in map) {
    delete map[key];
    return;
  }
}

function ocppKey(text, types) {
  const m = OCPP_HEAD.exec(text);
  if (m === null || !types.includes(m[1])) return undefined;
  const id = m[2];
  if (!id.includes('\\')) return `k${id}`;
  try {
    return `k${JSON.parse(`"${id}"`)}`;
  } catch {
    return undefined;
  }
}

// JSON-RPC 2.0: a request has a method and an id; a response has an id and a result or an error.
function jsonRpcKey(text, request) {
  let c = text.charCodeAt(0);
  for (let i = 1; c === 32 || c === 10 || c === 13 || c === 9; i++) c = text.charCodeAt(i);
  if (c !== 123) return undefined; // not an object: batches and non-JSON are not tracked
  let m;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  const id = m.id;
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  if (request ? typeof m.method !== 'string' : m.method !== undefined || !('result' in m || 'error' in m)) {
    return undefined;
  }
  return typeof id === 'number' ? `n${id}` : `s${id}`;
}
