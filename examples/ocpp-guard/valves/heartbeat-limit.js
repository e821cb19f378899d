// heartbeat-limit: a token bucket for OCPP Heartbeat CALLs per charge point, keyed by the id in the
// session's path (/ocpp/{id}), so a charge point that reconnects keeps its bucket. A Heartbeat
// over the limit never reaches the Central System: Sluice answers it itself with a CALLRESULT
// carrying the current time, as the Central System would. Other messages pass untouched.
// (The built-in rate-limit keys by a header or a JSON field, and counts every message: hence this valve.)

export const options = {
  type: 'object',
  properties: {
    burst: { type: 'integer', minimum: 1, default: 2, description: 'Heartbeats let through at once.' },
    intervalMs: {
      type: 'integer',
      minimum: 1,
      default: 60000,
      description: 'One more Heartbeat is let through per this many ms.',
    },
    pathPrefix: { type: 'string', default: '/ocpp/', description: 'The path before the charge point id.' },
    maxKeys: { type: 'integer', minimum: 1, default: 10000, description: 'Most charge points remembered.' },
  },
  additionalProperties: false,
};

// [2, "uniqueId", "Heartbeat" …: recognised without parsing the payload
const HEARTBEAT = /^\s*\[\s*2\s*,\s*"((?:[^"\\]|\\.)*)"\s*,\s*"Heartbeat"/;

// charge point id → { tokens, at }: module scope, shared by the sessions of this pipeline
const buckets = new Map();

/** @param {import('../../../valves/valve.d.ts').Message} msg @param {import('../../../valves/valve.d.ts').Ctx} ctx */
export function fromClient(msg, ctx) {
  if (msg.type !== 'text') return undefined;
  const m = HEARTBEAT.exec(msg.data);
  if (m === null) return undefined;
  const { burst, intervalMs } = ctx.options;
  const now = ctx.now();
  const b = bucketOf(ctx);
  if (b.tokens === undefined) {
    b.tokens = burst;
    b.at = now;
  }
  b.tokens = Math.min(burst, b.tokens + (now - b.at) / intervalMs);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return undefined;
  }
  // m[1] is the uniqueId as written (still JSON-escaped), so it goes back verbatim
  ctx.sendToClient(`[3,"${m[1]}",{"currentTime":"${new Date(now).toISOString()}"}]`);
  return null;
}

function bucketOf(ctx) {
  const { pathPrefix, maxKeys } = ctx.options;
  const path = ctx.session.path;
  if (!path.startsWith(pathPrefix) || path.length === pathPrefix.length) return ctx.state; // per session
  const id = path.slice(pathPrefix.length);
  let b = buckets.get(id);
  if (b === undefined) {
    if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value);
    b = {};
  } else buckets.delete(id);
  buckets.set(id, b); // most recently used last
  return b;
}
