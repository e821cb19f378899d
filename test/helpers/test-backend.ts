// A scriptable WebSocket backend for integration tests: echoes, records what it received and the
// handshakes it saw, and can be told to refuse, close, or go silent.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface TestBackendOptions {
  protocols?: string[];
  /** Answer every upgrade with this HTTP status instead of accepting it. */
  rejectWith?: number;
  /** Headers added to the 101 response. */
  responseHeaders?: Record<string, string>;
  /** Do not echo (only record). */
  silent?: boolean;
  port?: number;
}

export interface Handshake {
  url: string;
  headers: IncomingHttpHeaders;
  protocol: string;
}

export class TestBackend {
  readonly server: Server;
  readonly wss: WebSocketServer;
  readonly handshakes: Handshake[] = [];
  readonly received: { data: Buffer; binary: boolean }[] = [];
  readonly connections = new Set<WebSocket>();
  readonly sockets = new Set<Socket>();
  pings = 0;
  options: TestBackendOptions;
  url = '';
  port = 0;

  constructor(options: TestBackendOptions = {}) {
    this.options = options;
    this.server = createServer((_req, res) => {
      res.writeHead(400);
      res.end();
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      handleProtocols: (offered: Set<string>) =>
        (this.options.protocols ?? []).find((p) => offered.has(p)) ?? false,
    });
    this.wss.on('headers', (headers: string[]) => {
      for (const [k, v] of Object.entries(this.options.responseHeaders ?? {})) headers.push(`${k}: ${v}`);
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (this.options.rejectWith) {
        socket.end(
          `HTTP/1.1 ${this.options.rejectWith} Nope\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
        );
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.handshakes.push({ url: req.url ?? '', headers: req.headers, protocol: ws.protocol });
        this.connections.add(ws);
        ws.on('close', () => this.connections.delete(ws));
        ws.on('ping', () => this.pings++);
        ws.on('message', (data: Buffer, binary: boolean) => {
          this.received.push({ data, binary });
          if (!this.options.silent) ws.send(data, { binary });
        });
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(this.options.port ?? 0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `ws://127.0.0.1:${this.port}`;
    return this;
  }

  /** Closes every live connection with `code` (a backend restarting, or a normal close). */
  closeAll(code: number, reason = ''): void {
    for (const ws of this.connections) ws.close(code, reason);
  }

  /** Drops every TCP connection without a close frame (a crashed process). */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.destroyAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Starts a test backend. */
export function startBackend(options: TestBackendOptions = {}): Promise<TestBackend> {
  return new TestBackend(options).start();
}
