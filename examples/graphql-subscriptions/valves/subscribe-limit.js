// subscribe-limit: limits graphql-transport-ws `subscribe` messages per connection — a token bucket
// (`burst` at once, then `rate` a second) and at most `maxActive` running at a time. A subscribe
// over a limit never reaches the server: Sluice answers it with the protocol's own `error`
// message for its id, so the client's subscription fails cleanly instead of hanging.
// (The built-in rate-limit counts every message and can only drop, reply one fixed text or close.)

export const options = {
  type: 'object',
  properties: {
    rate: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Subscribes per second.' },
    burst: { type: 'integer', minimum: 1, default: 3, description: 'Subscribes at once.' },
    maxActive: { type: 'integer', minimum: 1, default: 5, description: 'Subscriptions running at once.' },
  },
  additionalProperties: false,
};

// "type":"subscribe" / "complete" / "error" somewhere in the text: only those are parsed
const INTERESTING = /"type"\s*:\s*"(?:subscribe|complete|error)"/;

/** @param {import('../../../valves/valve.d.ts').Message} msg @param {import('../../../valves/valve.d.ts').Ctx} ctx */
export function fromClient(msg, ctx) {
  const m = parse(msg);
  if (m === undefined) return undefined;
  const s = state(ctx);
  if (m.type === 'complete') {
    delete s.active[m.id]; // the client stopped it
    return undefined;
  }
  if (m.type !== 'subscribe') return undefined;
  const { rate, burst, maxActive } = ctx.options;
  const now = ctx.now();
  s.tokens = Math.min(burst, s.tokens + ((now - s.at) * rate) / 1000);
  s.at = now;
  let why;
  if (Object.keys(s.active).length >= maxActive) why = `at most ${maxActive} subscriptions at a time`;
  else if (s.tokens < 1) why = `too many subscriptions: ${burst} at once, then ${rate} a second`;
  if (why !== undefined) {
    ctx.sendToClient(JSON.stringify({ id: m.id, type: 'error', payload: [{ message: why }] }));
    return null;
  }
  s.tokens -= 1;
  s.active[m.id] = 1;
  return undefined;
}

/** @param {import('../../../valves/valve.d.ts').Message} msg @param {import('../../../valves/valve.d.ts').Ctx} ctx */
export function fromBackend(msg, ctx) {
  const m = parse(msg);
  if (m !== undefined && (m.type === 'complete' || m.type === 'error')) delete state(ctx).active[m.id];
  return undefined;
}

function parse(msg) {
  if (msg.type !== 'text' || !INTERESTING.test(msg.data)) return undefined;
  try {
    const m = JSON.parse(msg.data);
    return m !== null && typeof m === 'object' && typeof m.id === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

// ctx.state is empty on the first message, and again if the valve host restarted
function state(ctx) {
  const s = ctx.state;
  if (s.active === undefined) {
    s.active = {}; // ids of the running subscriptions
    s.tokens = ctx.options.burst;
    s.at = ctx.now();
  }
  return s;
}
