// A scriptable WebSocket backend for integration tests: echoes, records what it received and the
// handshakes it saw, and can be told to refuse, close, delay its handshake, or go silent. Every
// recorded event is also emitted on `events`, so tests await them (see the wait* methods).
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { waitEvent } from './wait.ts';

export interface TestBackendOptions {
  protocols?: string[];
  /** Answer every upgrade with this HTTP status instead of accepting it (200 = a plain HTTP answer). */
  rejectWith?: number;
  /** Headers added to the 101 response. */
  responseHeaders?: Record<string, string>;
  /** Do not echo (only record); a function decides per message (true = do not echo it). */
  silent?: boolean | ((data: Buffer) => boolean);
  /** Hold every upgrade this long before answering it (a slow backend). */
  upgradeDelayMs?: number;
  /** Close every connection with this code right after accepting it (a flapping backend). */
  closeOnOpen?: number;
  /** Answer pings (default true); false plays a backend that is connected but hung. */
  autoPong?: boolean;
  /** Accept permessage-deflate when the proxy offers it. */
  perMessageDeflate?: boolean;
  port?: number;
}

export interface Handshake {
  url: string;
  headers: IncomingHttpHeaders;
  protocol: string;
}

export interface ReceivedClose {
  code: number;
  reason: string;
}

export class TestBackend {
  readonly server: Server;
  readonly wss: WebSocketServer;
  /** Upgrades this backend accepted. */
  readonly handshakes: Handshake[] = [];
  /** Every upgrade request that reached it, accepted or not. */
  readonly requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  readonly received: { data: Buffer; binary: boolean }[] = [];
  /** Close frames received from the proxy (code 1005 when the frame had no code). */
  readonly closes: ReceivedClose[] = [];
  readonly connections = new Set<WebSocket>();
  readonly sockets = new Set<Socket>();
  /** Emits 'request', 'answered' (an upgrade was answered), 'handshake', 'message', 'ping', 'close'. */
  readonly events = new EventEmitter();
  pings = 0;
  /** Upgrade requests answered so far (accepted, refused, or found closed). */
  answered = 0;
  /** Time (performance.now()) of every ping received. */
  readonly pingTimes: number[] = [];
  options: TestBackendOptions;
  url = '';
  port = 0;

  constructor(options: TestBackendOptions = {}) {
    this.options = options;
    this.events.setMaxListeners(0);
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
      perMessageDeflate: options.perMessageDeflate ?? false,
      autoPong: options.autoPong ?? true,
      handleProtocols: (offered: Set<string>) =>
        (this.options.protocols ?? []).find((p) => offered.has(p)) ?? false,
    });
    this.wss.on('headers', (headers: string[]) => {
      for (const [k, v] of Object.entries(this.options.responseHeaders ?? {})) headers.push(`${k}: ${v}`);
    });
    this.server.on('upgrade', (req, socket: Socket, head) => {
      this.requests.push({ url: req.url ?? '', headers: req.headers });
      this.events.emit('request');
      const answer = () => {
        if (this.options.rejectWith) {
          const status = this.options.rejectWith;
          socket.end(`HTTP/1.1 ${status} Nope\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        } else {
          // ws destroys a socket that closed meanwhile (the proxy gave up) instead of accepting it.
          this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req.url ?? '', req.headers));
        }
        this.answered++;
        this.events.emit('answered');
      };
      if (this.options.upgradeDelayMs) setTimeout(answer, this.options.upgradeDelayMs);
      else answer();
    });
  }

  private accept(ws: WebSocket, url: string, headers: IncomingHttpHeaders): void {
    this.handshakes.push({ url, headers, protocol: ws.protocol });
    this.connections.add(ws);
    ws.on('close', (code: number, reason: Buffer) => {
      this.connections.delete(ws);
      this.closes.push({ code, reason: reason.toString() });
      this.events.emit('close');
    });
    ws.on('ping', () => {
      this.pings++;
      this.pingTimes.push(performance.now());
      this.events.emit('ping');
    });
    ws.on('message', (data: Buffer, binary: boolean) => {
      this.received.push({ data, binary });
      this.events.emit('message', data, binary);
      const silent = this.options.silent;
      if (ws.readyState !== ws.OPEN) return;
      if (typeof silent === 'function' ? silent(data) : silent) return;
      ws.send(data, { binary });
    });
    ws.on('error', () => {});
    this.events.emit('handshake');
    if (this.options.closeOnOpen) ws.close(this.options.closeOnOpen, 'flapping');
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `ws://127.0.0.1:${this.port}`;
    return this;
  }

  /** The id Sluice gives this backend when the config names none (wsbalancer's NormalizeForID). */
  get id(): string {
    return `127-0-0-1-${this.port}`;
  }

  /** Closes every live connection with `code` (a backend restarting, or a normal close). */
  closeAll(code: number, reason = ''): void {
    for (const ws of this.connections) ws.close(code, reason);
  }

  /** Drops every TCP connection without a close frame (a crashed process). */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** Resolves once `n` messages have been received in total. */
  waitReceived(n: number, ms = 5000): Promise<void> {
    return waitEvent(
      this.events,
      'message',
      () => this.received.length >= n,
      ms,
      `${n} messages at ${this.url}`,
    );
  }

  /** Resolves once `n` upgrades have been accepted in total. */
  waitHandshakes(n: number, ms = 5000): Promise<void> {
    return waitEvent(this.events, 'handshake', () => this.handshakes.length >= n, ms, `${n} handshakes`);
  }

  /** Resolves once `n` upgrade requests (accepted or refused) have arrived in total. */
  waitRequests(n: number, ms = 5000): Promise<void> {
    return waitEvent(this.events, 'request', () => this.requests.length >= n, ms, `${n} upgrade requests`);
  }

  /** Resolves once `n` upgrade requests have been answered in total (see upgradeDelayMs). */
  waitAnswered(n: number, ms = 5000): Promise<void> {
    return waitEvent(this.events, 'answered', () => this.answered >= n, ms, `${n} answered upgrades`);
  }

  /** Resolves once `n` close frames have been received in total. */
  waitCloses(n: number, ms = 5000): Promise<void> {
    return waitEvent(this.events, 'close', () => this.closes.length >= n, ms, `${n} closes at ${this.url}`);
  }

  /** Resolves once `n` pings have been received in total. */
  waitPings(n: number, ms = 5000): Promise<void> {
    return waitEvent(this.events, 'ping', () => this.pings >= n, ms, `${n} pings at ${this.url}`);
  }

  /** The last accepted handshake's headers. */
  lastHandshake(): Handshake | undefined {
    return this.handshakes[this.handshakes.length - 1];
  }

  async stop(): Promise<void> {
    this.destroyAll();
    for (const ws of this.connections) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Starts a test backend. */
export function startBackend(options: TestBackendOptions = {}): Promise<TestBackend> {
  return new TestBackend(options).start();
}
