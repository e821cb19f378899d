// A tiny chat backend for the chat-moderation example: every client on the same path (a room, e.g.
// /chat/lobby) gets every chat message of that room, stamped with the sender's name from the
// x-user request header. It logs what it receives: what Sluice let through, after redaction.
//   npx node examples/chat-moderation/chat-server.ts --port 9301
// Client → server: {"type":"chat","text":"…","contact"?:{…}}
// Server → clients: {"type":"chat","user":"ana","text":"…","contact"?:{…}}, {"type":"joined"|"left","user":"ana"},
//                   {"type":"error","error":"…"} (to the sender only)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { type WebSocket, WebSocketServer } from 'ws';

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9301' },
  },
});

const rooms = new Map<string, Set<WebSocket>>();

function broadcast(room: Set<WebSocket>, message: object): void {
  const text = JSON.stringify(message);
  for (const peer of room) if (peer.readyState === peer.OPEN) peer.send(text);
}

const server = createServer((_req, res) => {
  res.writeHead(426, { 'content-type': 'text/plain' });
  res.end('chat over WebSocket only: ws://…/chat/{room}\n');
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on('connection', (ws, req) => {
  const path = (req.url ?? '/').split('?')[0];
  const user = String(req.headers['x-user'] ?? 'anonymous');
  const members = rooms.get(path) ?? new Set<WebSocket>();
  rooms.set(path, members);
  members.add(ws);
  console.log(`chat-server ${user} joined ${path}`);
  broadcast(members, { type: 'joined', user });

  ws.on('message', (data, isBinary) => {
    const text = data.toString();
    console.log(`chat-server ← ${user} ${text}`);
    let msg: { type?: unknown; text?: unknown; contact?: unknown } | undefined;
    try {
      msg = isBinary ? undefined : JSON.parse(text);
    } catch {
      msg = undefined;
    }
    if (msg?.type !== 'chat' || typeof msg.text !== 'string') {
      ws.send(JSON.stringify({ type: 'error', error: 'send {"type":"chat","text":"…"}' }));
      return;
    }
    const out: Record<string, unknown> = { type: 'chat', user, text: msg.text };
    if (msg.contact !== undefined) out.contact = msg.contact;
    broadcast(members, out);
  });

  ws.on('close', () => {
    members.delete(ws);
    console.log(`chat-server ${user} left ${path}`);
    broadcast(members, { type: 'left', user });
  });
});

server.listen(Number(args.port), args.host, () => {
  const { port } = server.address() as AddressInfo;
  console.log(`chat-server listening on ws://${args.host}:${port}/chat/{room}`);
});
