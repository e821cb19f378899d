// A tiny GraphQL-over-WebSocket server for the graphql-subscriptions example, speaking the
// graphql-transport-ws protocol (the `graphql-ws` library's) with a faked execution: no GraphQL
// library, the operation is matched by name.
//   subscription { countdown(from: 3) }  →  next {countdown: 3}, 2, 1, 0, then complete
//   query { hello }                      →  next {hello: "world"}, then complete
//   anything else                        →  error
//   npx node examples/graphql-subscriptions/graphql-server.ts --port 9401
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { type WebSocket, WebSocketServer } from 'ws';

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9401' },
    'interval-ms': { type: 'string', default: '500' },
  },
});
const intervalMs = Number(args['interval-ms']);
const PROTOCOL = 'graphql-transport-ws';

interface Message {
  type?: unknown;
  id?: unknown;
  payload?: { query?: unknown };
}

function serve(ws: WebSocket, who: string): void {
  const send = (m: object) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
  const running = new Map<string, NodeJS.Timeout>();
  let acknowledged = false;
  let initialised = false;
  // the protocol gives a client 3 s to send connection_init
  const initTimer = setTimeout(() => ws.close(4408, 'Connection initialisation timeout'), 3000);

  ws.on('message', (data) => {
    const text = data.toString();
    console.log(`graphql-server ← ${who} ${text}`);
    let m: Message;
    try {
      m = JSON.parse(text);
    } catch {
      ws.close(4400, 'Invalid message received');
      return;
    }
    if (m.type === 'connection_init') {
      if (initialised) return ws.close(4429, 'Too many initialisation requests');
      initialised = acknowledged = true;
      clearTimeout(initTimer);
      send({ type: 'connection_ack' });
    } else if (m.type === 'ping') send({ type: 'pong' });
    else if (m.type === 'pong') return;
    else if (m.type === 'subscribe' && typeof m.id === 'string' && typeof m.payload?.query === 'string') {
      if (!acknowledged) return ws.close(4401, 'Unauthorized');
      if (running.has(m.id)) return ws.close(4409, `Subscriber for ${m.id} already exists`);
      execute(m.id, m.payload.query);
    } else if (m.type === 'complete' && typeof m.id === 'string') {
      clearInterval(running.get(m.id));
      running.delete(m.id);
    } else ws.close(4400, 'Invalid message received');
  });
  ws.on('close', () => {
    clearTimeout(initTimer);
    for (const t of running.values()) clearInterval(t);
  });

  function execute(id: string, query: string): void {
    const countdown = /\bcountdown\s*\(\s*from\s*:\s*(\d+)\s*\)/.exec(query);
    if (countdown !== null) {
      let n = Math.min(Number(countdown[1]), 100);
      const tick = () => {
        send({ id, type: 'next', payload: { data: { countdown: n } } });
        if (n-- === 0) {
          clearInterval(running.get(id));
          running.delete(id);
          send({ id, type: 'complete' });
        }
      };
      running.set(id, setInterval(tick, intervalMs));
      tick();
    } else if (/\bhello\b/.test(query)) {
      send({ id, type: 'next', payload: { data: { hello: 'world' } } });
      send({ id, type: 'complete' });
    } else
      send({ id, type: 'error', payload: [{ message: 'this server knows countdown(from: N) and hello' }] });
  }
}

const server = createServer((_req, res) => {
  res.writeHead(426, { 'content-type': 'text/plain' });
  res.end(`GraphQL over WebSocket only (subprotocol ${PROTOCOL})\n`);
});
const wss = new WebSocketServer({
  server,
  perMessageDeflate: false,
  handleProtocols: (offered) => (offered.has(PROTOCOL) ? PROTOCOL : false),
});
let connections = 0;
wss.on('connection', (ws) => {
  const who = `#${++connections}`;
  if (ws.protocol !== PROTOCOL) {
    ws.close(4406, 'Subprotocol not acceptable');
    return;
  }
  console.log(`graphql-server ${who} connected`);
  serve(ws, who);
});

server.listen(Number(args.port), args.host, () => {
  const { port } = server.address() as AddressInfo;
  console.log(`graphql-server listening on ws://${args.host}:${port}/graphql`);
});
