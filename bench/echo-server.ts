// The bench's echo backend, run as its own process: `node bench/echo-server.ts [port]`. Echoes each
// message with its frame type; prints `{"port":N}` on stdout once listening. Lighter than
// runtime/testing/echo-backend.ts (no UTF-8 validation) so that the CPU left goes to the proxy.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

const server = createServer((_req, res) => {
  res.writeHead(426).end('WebSocket only\n');
});
const wss = new WebSocketServer({ server, perMessageDeflate: false, skipUTF8Validation: true });

function echo(this: WebSocket, data: Buffer, isBinary: boolean): void {
  this.send(data, { binary: isBinary });
}

wss.on('connection', (ws: WebSocket) => {
  ws.on('message', echo);
  ws.on('error', () => ws.terminate());
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

// The runner ends this process with SIGTERM (or SIGKILL in the failover scenario).
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
