// One WebSocket handshake to one backend, classified the way failover and the breaker need it:
// success, declined (3xx/4xx: the backend's answer, passed to the client), failed (5xx, refused,
// reset, bad upgrade), timeout, subprotocol (chose one the client did not offer), client (the
// client's request cannot be sent as is), aborted (the client left while we dialled).
// Sluice writes the upgrade request and reads the answer itself (upgrade-request.ts,
// upgrade-response.ts) and hands the socket to ws only once it is open (client-link.ts): when a
// backend dies with N sessions, N handshakes are what the proxy spends a failover on, and ws's
// client (URL parsing, a ClientRequest and Node's HTTP parser per dial) cost about twice the CPU.
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { WebSocket } from 'ws';
import type { BackendConfig } from '../config/model.ts';
import {
  adoptClientSocket,
  deflateOffer,
  PERMESSAGE_DEFLATE,
  type PerMessageDeflate,
  parseExtensions,
} from './client-link.ts';
import { buildUpgradeRequest, type UpgradeRequest } from './upgrade-request.ts';
import { type ResponseHead, ResponseHeadReader } from './upgrade-response.ts';

export interface DialRequest {
  /** Request path and query as the client sent them (`/echo?x=1`). */
  path: string;
  headers: Record<string, string | string[]>;
  /** The client's Sec-WebSocket-Protocol offer, in order. */
  protocols: string[];
  /** On failover the backend must choose exactly this subprotocol. */
  requireProtocol: string | undefined;
  maxPayload: number;
}

export type DialResult =
  | { ok: true; ws: WebSocket; protocol: string; passHeaders: Record<string, string | string[]> }
  | { ok: false; kind: DialFailureKind; status: number; message: string };

export type DialFailureKind = 'declined' | 'failed' | 'timeout' | 'subprotocol' | 'client' | 'aborted';

/** Joins the backend URL with the client's path: `ws://h:1/base` + `/echo?x` → `ws://h:1/base/echo?x`. */
export function backendUrl(base: string, path: string): string {
  const trimmed = base.endsWith('/') ? base.slice(0, -1) : base;
  return trimmed + (path.startsWith('/') ? path : `/${path}`);
}

/** An abortable handshake; `abort()` ends it as 'aborted' when the client leaves. */
export interface PendingDial {
  result: Promise<DialResult>;
  abort(): void;
}

/** Dials `backend` for `request`. Never throws; every outcome is a DialResult. */
export function dialBackend(backend: BackendConfig, request: DialRequest): PendingDial {
  let tls: TlsOptions;
  try {
    tls = tlsOptions(backend);
  } catch (err) {
    const message = `cannot read TLS file for backend ${backend.id}: ${errorMessage(err)}`;
    return settled({ ok: false, kind: 'failed', status: 502, message });
  }
  const deflate = backend.compression ? deflateOffer(request.maxPayload) : undefined;
  let upgrade: UpgradeRequest;
  try {
    upgrade = buildUpgradeRequest({
      url: backendUrl(backend.url, request.path),
      headers: request.headers,
      protocols: request.protocols,
      extensions: deflate?.header,
    });
  } catch (err) {
    // A header value, subprotocol name or path that cannot be sent as is: the client's fault.
    return settled({ ok: false, kind: 'client', status: 400, message: errorMessage(err) });
  }
  try {
    return new Handshake(backend, request, upgrade, deflate?.pmd, tls);
  } catch (err) {
    // tls.connect throws at once on unusable TLS material (a CA file that is not PEM, …).
    const message = `cannot connect to backend ${backend.id}: ${errorMessage(err)}`;
    return settled({ ok: false, kind: 'failed', status: 502, message });
  }
}

/** One handshake in progress: the socket's listeners, its deadline and its single outcome. */
class Handshake implements PendingDial {
  readonly result: Promise<DialResult>;
  private settle: (r: DialResult) => void = ignore;
  private readonly socket: Socket;
  private readonly reader = new ResponseHeadReader();
  /** The handshake-timeout deadline (none when it is 0, as with ws). */
  private readonly timer: NodeJS.Timeout | undefined;
  private done = false;
  private readonly backend: BackendConfig;
  private readonly request: DialRequest;
  private readonly upgrade: UpgradeRequest;
  private readonly pmd: PerMessageDeflate | undefined;

  constructor(
    backend: BackendConfig,
    request: DialRequest,
    upgrade: UpgradeRequest,
    pmd: PerMessageDeflate | undefined,
    tls: TlsOptions,
  ) {
    this.backend = backend;
    this.request = request;
    this.upgrade = upgrade;
    this.pmd = pmd;
    this.result = new Promise<DialResult>((resolve) => {
      this.settle = resolve;
    });
    const socket = upgrade.secure
      ? tlsConnect({ host: upgrade.host, port: upgrade.port, servername: upgrade.servername, ...tls })
      : netConnect(upgrade.port, upgrade.host);
    this.socket = socket;
    (socket as HandshakeSocket)[kHandshake] = this;
    socket.on('data', socketOnData);
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    socket.write(upgrade.head, 'latin1');
    if (backend.handshakeTimeoutMs > 0) {
      this.timer = setTimeout(onTimeout, backend.handshakeTimeoutMs, this);
      this.timer.unref();
    }
  }

  abort(): void {
    this.fail('aborted', 499, 'client left during the dial');
  }

  onTimeout(): void {
    this.fail(
      'timeout',
      504,
      `the backend did not complete the handshake within ${this.backend.handshakeTimeoutMs} ms`,
    );
  }

  onError(err: Error): void {
    this.fail('failed', 502, err.message);
  }

  onClose(): void {
    this.fail('failed', 502, 'closed during handshake');
  }

  onData(chunk: Buffer): void {
    let read: ReturnType<ResponseHeadReader['push']>;
    try {
      read = this.reader.push(chunk);
    } catch (err) {
      this.fail('failed', 502, `invalid handshake response: ${errorMessage(err)}`);
      return;
    }
    if (read === undefined) return;
    const { status, headers } = read.head;
    if (status !== 101) {
      if (status >= 300 && status < 500) this.fail('declined', status, `backend answered ${status}`);
      else this.fail('failed', 502, `backend answered ${status}`);
      return;
    }
    const problem = this.check(headers);
    if (problem) {
      this.fail(problem.kind, 502, problem.message);
      return;
    }
    const answered = headers['sec-websocket-protocol'];
    // RFC 6455 and wsbalancer accept a backend choosing no subprotocol from a non-empty offer.
    const protocol = typeof answered === 'string' ? answered : '';
    if (this.request.requireProtocol !== undefined && protocol !== this.request.requireProtocol) {
      this.fail(
        'subprotocol',
        502,
        `backend chose subprotocol "${protocol}", the session uses "${this.request.requireProtocol}"`,
      );
      return;
    }
    const passHeaders = pickHeaders(headers, this.backend.passHeaders);
    this.detach();
    const ws = adoptClientSocket(this.socket, read.rest, {
      protocol,
      maxPayload: this.request.maxPayload,
      deflate: headers['sec-websocket-extensions'] === undefined ? undefined : this.pmd,
    });
    // Hold what the backend sends until a session attaches its listeners (the client may still
    // be upgrading): a greeting sent on connect would otherwise be emitted to no one.
    ws.pause();
    this.settle({ ok: true, ws, protocol, passHeaders });
  }

  /** What ws's client checked in a 101 (lib/websocket.js initAsClient), as a failure or undefined. */
  private check(headers: ResponseHead['headers']): { kind: DialFailureKind; message: string } | undefined {
    const upgrade = headers.upgrade;
    if (typeof upgrade !== 'string' || upgrade.toLowerCase() !== 'websocket') {
      return { kind: 'failed', message: 'Invalid Upgrade header' };
    }
    if (headers['sec-websocket-accept'] !== this.upgrade.accept) {
      return { kind: 'failed', message: 'Invalid Sec-WebSocket-Accept header' };
    }
    const answered = headers['sec-websocket-protocol'];
    if (answered !== undefined) {
      if (this.request.protocols.length === 0) {
        return { kind: 'subprotocol', message: 'Server sent a subprotocol but none was requested' };
      }
      if (typeof answered !== 'string' || !this.request.protocols.includes(answered)) {
        return { kind: 'subprotocol', message: 'Server sent an invalid subprotocol' };
      }
    }
    const extensions = headers['sec-websocket-extensions'];
    if (extensions === undefined) return undefined;
    if (this.pmd === undefined || typeof extensions !== 'string') {
      return {
        kind: 'failed',
        message: 'Server sent a Sec-WebSocket-Extensions header but no extension was requested',
      };
    }
    try {
      const offered = parseExtensions(extensions);
      const names = Object.keys(offered);
      if (names.length !== 1 || names[0] !== PERMESSAGE_DEFLATE) {
        return { kind: 'failed', message: 'Server indicated an extension that was not requested' };
      }
      this.pmd.accept(offered[PERMESSAGE_DEFLATE]);
    } catch {
      return { kind: 'failed', message: 'Invalid Sec-WebSocket-Extensions header' };
    }
    return undefined;
  }

  private fail(kind: DialFailureKind, status: number, message: string): void {
    if (this.done) return;
    this.detach();
    this.socket.on('error', ignore);
    this.socket.destroy();
    this.settle({ ok: false, kind, status, message });
  }

  /** Ends the handshake's hold on the socket (once). */
  private detach(): void {
    this.done = true;
    clearTimeout(this.timer);
    const socket = this.socket as HandshakeSocket;
    socket[kHandshake] = undefined;
    socket.off('data', socketOnData);
    socket.off('error', socketOnError);
    socket.off('close', socketOnClose);
  }
}

const kHandshake = Symbol('sluice.handshake');
type HandshakeSocket = Socket & { [kHandshake]?: Handshake };

// Named listeners shared by every handshake (no closures per dial).
function socketOnData(this: HandshakeSocket, chunk: Buffer): void {
  this[kHandshake]?.onData(chunk);
}
function socketOnError(this: HandshakeSocket, err: Error): void {
  this[kHandshake]?.onError(err);
}
function socketOnClose(this: HandshakeSocket): void {
  this[kHandshake]?.onClose();
}
function onTimeout(handshake: Handshake): void {
  handshake.onTimeout();
}

function settled(r: DialResult): PendingDial {
  return { result: Promise.resolve(r), abort: ignore };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
}

/** TLS options for a wss:// backend, read at each dial so rotated certificates are picked up. */
function tlsOptions(backend: BackendConfig): TlsOptions {
  const t = backend.tls;
  if (!t) return {};
  return {
    ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}),
    ...(t.certFile ? { cert: readFileSync(t.certFile) } : {}),
    ...(t.keyFile ? { key: readFileSync(t.keyFile) } : {}),
    ...(t.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
  };
}

function pickHeaders(headers: ResponseHead['headers'], names: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of names) {
    const value = headers[name.toLowerCase()];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function ignore(): void {}
