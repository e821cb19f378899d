// A graphql-transport-ws client for the graphql-subscriptions example: connection_init, then
// --subscriptions subscribe messages at once (each a countdown), printing every message; exits 0
// when every subscription has completed or failed.
//   npx node examples/graphql-subscriptions/graphql-client.ts --subscriptions 2
//   --query-bytes 6000  pads the query to that size (to see size-limit close the connection)
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:8080/graphql' },
    subscriptions: { type: 'string', default: '1' },
    from: { type: 'string', default: '3' },
    'query-bytes': { type: 'string', default: '0' },
  },
});

const ws = new WebSocket(args.url, 'graphql-transport-ws');
const open = new Set<string>();
const send = (m: object) => {
  const text = JSON.stringify(m);
  ws.send(text);
  console.log(`→ ${text.length > 200 ? `${text.slice(0, 200)}… (${text.length} bytes)` : text}`);
};

ws.on('open', () => {
  console.log(`connected to ${args.url} (subprotocol ${ws.protocol})`);
  send({ type: 'connection_init', payload: {} });
});

ws.on('message', (data) => {
  const text = data.toString();
  console.log(`← ${text}`);
  const m = JSON.parse(text) as { type: string; id?: string };
  if (m.type === 'connection_ack') {
    let query = `subscription { countdown(from: ${Number(args.from)}) }`;
    const pad = Number(args['query-bytes']) - query.length;
    if (pad > 0) query += `\n#${'-'.repeat(pad - 2)}`; // a GraphQL comment
    for (let i = 1; i <= Number(args.subscriptions); i++) {
      open.add(String(i));
      send({ id: String(i), type: 'subscribe', payload: { query } });
    }
  } else if (m.type === 'ping') send({ type: 'pong' });
  else if ((m.type === 'complete' || m.type === 'error') && m.id !== undefined) {
    open.delete(m.id);
    if (open.size === 0) ws.close(1000);
  }
});

ws.on('close', (code, reason) => {
  console.log(`closed ${code} ${reason.toString()}`);
  process.exit(code === 1000 ? 0 : 1);
});
ws.on('error', (err) => {
  console.error(`graphql client: ${err.message} (is Sluice running on ${args.url}?)`);
  process.exit(1);
});
