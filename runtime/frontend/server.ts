// The client-facing listener: http.Server + ws (noServer). Each upgrade is checked, the backend is
// dialled *before* the client is upgraded (so the backend's status or subprotocol choice can be
// returned to the client), then a Session joins the two.
import { readFileSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { DialRequest, PendingDial } from '../backend/dial.ts';
import type { BackendPool, PoolDialResult } from '../backend/pool.ts';
import { Recording } from '../capture/recorder.ts';
import type { ListenerTlsConfig, ResolvedConfig } from '../config/model.ts';
import { ERRORS, type ErrorCode } from '../errors.ts';
import { newSessionId, normalizeForId } from '../ids.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { EMPTY_SELECTOR } from '../pipeline/empty.ts';
import type { PipelineSelector, SessionInfo, SessionPipeline } from '../pipeline/types.ts';
import { checkUpgrade, clientAddress, offeredProtocols, splitPath, upstreamHeaders } from './handshake.ts';
import { Heartbeat } from './heartbeat.ts';
import { IdleGc } from './idle-gc.ts';
import { backendRef, Session } from './session.ts';
import { hotCounters, type SessionContext } from './session-context.ts';

interface PendingUpgrade {
  protocol: string;
  passHeaders: Record<string, string | string[]>;
}
const kUpgrade = Symbol('sluice.upgrade');
type TaggedRequest = IncomingMessage & { [kUpgrade]?: PendingUpgrade };

export interface FrontendOptions {
  config: ResolvedConfig;
  pool: BackendPool;
  metrics: Metrics;
  logger: Logger;
}

export class Frontend {
  readonly id: string;
  readonly sessions = new Map<string, Session>();
  paused = false;
  draining = false;
  /** Swapped on hot reload; new sessions take the current one. */
  pipelines: PipelineSelector = EMPTY_SELECTOR;
  /** `record:`: which sessions are captured (also POST /session/record/{id}). */
  readonly recording: Recording;
  private config: ResolvedConfig;
  private readonly pool: BackendPool;
  private readonly metrics: Metrics;
  private readonly logger: Logger;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly ctx: SessionContext;
  private readonly heartbeat: Heartbeat;
  private readonly idleGc = new IdleGc();
  private drained: (() => void) | undefined;

  constructor(opts: FrontendOptions) {
    this.config = opts.config;
    this.pool = opts.pool;
    this.metrics = opts.metrics;
    this.logger = opts.logger;
    const fe = opts.config.server.frontend;
    this.id = normalizeForId(fe.address);
    this.recording = new Recording(opts.config.record, opts.logger);
    this.ctx = {
      pool: opts.pool,
      metrics: opts.metrics,
      hot: hotCounters(opts.metrics),
      logger: opts.logger,
      server: opts.config.server,
      upstream: opts.config.upstream,
      frontendId: this.id,
      closeTimeoutMs: 5000,
      adminFailoverDrainMs: 2000,
      onSessionEnd: (s) => this.onSessionEnd(s),
    };
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.config.server.maxMessageSize,
      perMessageDeflate: opts.config.server.compression,
      clientTracking: false,
      handleProtocols: (_offered, req: TaggedRequest) => req[kUpgrade]?.protocol || false,
    });
    this.wss.on('headers', (headers: string[], req: TaggedRequest) => {
      const pass = req[kUpgrade]?.passHeaders;
      if (!pass) return;
      for (const [name, value] of Object.entries(pass)) {
        for (const v of Array.isArray(value) ? value : [value]) headers.push(`${name}: ${v}`);
      }
    });
    const httpOptions = {
      maxHeaderSize: fe.maxHeaderBytes,
      headersTimeout: fe.readTimeoutMs,
      requestTimeout: fe.readTimeoutMs,
      // Node checks those timeouts on this interval (default 30 s: a slowloris would outlive a 1 s limit).
      connectionsCheckingInterval: Math.min(1000, Math.max(50, fe.readTimeoutMs / 4)),
    };
    this.http = fe.tls
      ? createHttpsServer({ ...httpOptions, ...readListenerTls(fe.tls) })
      : createServer(httpOptions);
    this.http.on('request', (req, res) => this.onPlainRequest(req, res));
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.heartbeat = new Heartbeat(this.sessions, opts.config, opts.logger);
  }

  /**
   * Hot reload: new settings for sessions (timeouts, queues, headers, origins, …). Keys baked into
   * the listener are refused earlier (config/restart-keys.ts).
   */
  reconfigure(next: ResolvedConfig): void {
    this.config = next;
    this.ctx.server = next.server;
    this.ctx.upstream = next.upstream;
    this.recording.configure(next.record);
    this.heartbeat.reconfigure(next);
  }

  /** Loads the frontend certificate and key again (they changed on disk); open sessions stay. */
  reloadTls(): void {
    const tls = this.config.server.frontend.tls;
    if (tls) (this.http as HttpsServer).setSecureContext(readListenerTls(tls));
  }

  /** Binds the listener; rejects with a message naming the address when it cannot. */
  listen(): Promise<AddressInfo> {
    const { host, port, address } = this.config.server.frontend;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(new Error(`cannot listen on frontend address ${address}: ${err.code ?? err.message}`));
      };
      this.http.once('error', onError);
      this.http.listen({ host: host || undefined, port }, () => {
        this.http.off('error', onError);
        this.heartbeat.start();
        this.idleGc.start();
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo {
    return this.http.address() as AddressInfo;
  }

  /** Stops accepting; existing sessions are closed by drain() or stop(). */
  async close(): Promise<void> {
    this.heartbeat.stop();
    this.idleGc.stop();
    for (const s of this.sessions.values()) s.closeBoth(1001, 'server shutting down', 'shutdown');
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
  }

  /** SIGTERM: refuse new upgrades, close sessions with 1001 spread over `windowMs`. */
  drain(windowMs: number): Promise<void> {
    this.draining = true;
    const sessions = [...this.sessions.values()];
    if (sessions.length === 0) return Promise.resolve();
    const done = new Promise<void>((resolve) => {
      this.drained = resolve;
    });
    const step = sessions.length > 1 ? windowMs / sessions.length : 0;
    sessions.forEach((s, i) => {
      const t = setTimeout(() => s.closeBoth(1001, 'server shutting down', 'drain'), i * step);
      t.unref();
    });
    return done;
  }

  private onSessionEnd(session: Session): void {
    this.sessions.delete(session.id);
    if (this.drained && this.sessions.size === 0) this.drained();
  }

  private onPlainRequest(req: IncomingMessage, res: ServerResponse): void {
    const code: ErrorCode = this.draining
      ? 'SLUICE_ERR_DRAINING'
      : this.paused
        ? 'SLUICE_ERR_PAUSED'
        : 'SLUICE_ERR_NOT_WEBSOCKET';
    const status = ERRORS[code].http;
    this.metrics.handshakesRejected.inc({ status: String(status) });
    res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
    res.end(`${STATUS_CODES[status]}\n`);
    req.resume();
  }

  private onUpgrade(req: TaggedRequest, socket: Duplex, head: Buffer): void {
    socket.on('error', ignore);
    if (this.draining || this.paused) {
      this.reject(socket, ERRORS[this.draining ? 'SLUICE_ERR_DRAINING' : 'SLUICE_ERR_PAUSED'].http);
      return;
    }
    const refused = checkUpgrade(req, this.config.server);
    if (refused) {
      const extra = refused === 'SLUICE_ERR_BAD_VERSION' ? { 'Sec-WebSocket-Version': '13' } : undefined;
      this.reject(socket, ERRORS[refused].http, extra);
      return;
    }
    const request: DialRequest = {
      path: req.url ?? '/',
      headers: upstreamHeaders(req, this.config.server),
      protocols: offeredProtocols(req),
      requireProtocol: undefined,
      maxPayload: this.config.server.maxMessageSize,
    };
    let pending: PendingDial | undefined;
    let gone = false;
    const onGone = () => {
      gone = true;
      pending?.abort();
    };
    socket.once('close', onGone);
    this.pool
      .dial(request, { onDeclined: 'stop', track: (p) => (pending = p) })
      .then((r) => {
        socket.off('close', onGone);
        if (gone) {
          if (r.ok) this.giveBack(r);
          return;
        }
        if (!r.ok) {
          this.logger.info({ path: request.path, err: r.message, status: r.status }, 'upgrade refused');
          const status = r.kind === 'declined' || r.kind === 'client' ? r.status : 502;
          this.reject(socket, status);
          return;
        }
        this.upgrade(req, socket, head, request, r);
      })
      .catch((err: unknown) => {
        this.logger.error({ err }, 'upgrade failed');
        this.reject(socket, 500);
      });
  }

  private upgrade(
    req: TaggedRequest,
    socket: Duplex,
    head: Buffer,
    request: DialRequest,
    dialed: Extract<PoolDialResult, { ok: true }>,
  ): void {
    const { path, query } = splitPath(request.path);
    const info: SessionInfo = {
      id: newSessionId(),
      path,
      query,
      subprotocol: dialed.protocol,
      clientAddress: clientAddress(req),
      headers: flatHeaders(req),
      backend: backendRef(dialed.backend),
    };
    const selected = this.pipelines.select(info);
    if (!(selected instanceof Promise)) {
      this.accept(req, socket, head, request, dialed, info, selected);
      return;
    }
    selected.then(
      (pipeline) => {
        if (socket.destroyed) this.giveBack(dialed);
        else this.accept(req, socket, head, request, dialed, info, pipeline);
      },
      (err: unknown) => {
        this.logger.error({ err, path: info.path }, 'the valve provider failed: refusing the session');
        this.giveBack(dialed);
        this.reject(socket, 500);
      },
    );
  }

  private accept(
    req: TaggedRequest,
    socket: Duplex,
    head: Buffer,
    request: DialRequest,
    dialed: Extract<PoolDialResult, { ok: true }>,
    info: SessionInfo,
    pipeline: SessionPipeline,
  ): void {
    req[kUpgrade] = { protocol: dialed.protocol, passHeaders: dialed.passHeaders };
    let upgraded = false;
    // ws answers a request it finds invalid itself and never calls back: give the backend back.
    const onAbort = () => {
      if (!upgraded) this.giveBack(dialed);
    };
    socket.once('close', onAbort);
    this.wss.handleUpgrade(req, socket, head, (client: WebSocket) => {
      upgraded = true;
      socket.off('close', onAbort);
      // ws listens for the socket's errors from here on; ours would stay on every idle session.
      socket.off('error', ignore);
      req[kUpgrade] = undefined;
      const session = new Session(this.ctx, info.id, client, dialed, request, info, request.path, pipeline);
      this.sessions.set(session.id, session);
      session.recorder = this.recording.forSession(info);
      this.logger.debug(
        { session: session.id, backend: dialed.backend.id, path: info.path },
        'session opened',
      );
    });
  }

  private giveBack(dialed: Extract<PoolDialResult, { ok: true }>): void {
    this.pool.giveBack(dialed.backend, dialed.ws, 'client went away');
  }

  private reject(socket: Duplex, status: number, extra?: Record<string, string>): void {
    this.metrics.handshakesRejected.inc({ status: String(status) });
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = `${STATUS_CODES[status] ?? 'Error'}\n`;
    const lines = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
      'Connection: close',
      'Content-Type: text/plain',
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    if (extra) for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`);
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  }
}

/** Reads the frontend's PEM files; the error names the file. */
function readListenerTls(tls: ListenerTlsConfig): { cert: Buffer; key: Buffer } {
  const read = (file: string, key: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read ${key} ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  };
  return {
    cert: read(tls.certFile, 'server.frontend.tls.cert'),
    key: read(tls.keyFile, 'server.frontend.tls.key'),
  };
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const headers = req.headers;
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function ignore(): void {}
