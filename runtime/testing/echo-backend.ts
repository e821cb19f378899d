// A WebSocket echo server: the quickstart's backends, and a backend for tests and benchmarks.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface EchoBackendOptions {
  host?: string;
  port?: number;
  /** Subprotocols this backend accepts, in its order of preference. */
  protocols?: string[];
  /** Prefix added to every echoed text message (shows which backend answered). */
  prefix?: string;
}

export interface EchoBackend {
  url: string;
  server: Server;
  wss: WebSocketServer;
  close(): Promise<void>;
}

/** Starts an echo backend on 127.0.0.1 (port 0 by default). */
export async function startEchoBackend(options: EchoBackendOptions = {}): Promise<EchoBackend> {
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('WebSocket only\n');
  });
  const protocols = options.protocols ?? [];
  const wss = new WebSocketServer({
    server,
    perMessageDeflate: false,
    handleProtocols: (offered: Set<string>) => protocols.find((p) => offered.has(p)) ?? false,
  });
  const prefix = options.prefix;
  wss.on('connection', (ws: WebSocket, _req: IncomingMessage) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (prefix && !isBinary) ws.send(prefix + data.toString());
      else ws.send(data, { binary: isBinary });
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    server,
    wss,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
