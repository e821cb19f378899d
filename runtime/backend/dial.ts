// One WebSocket handshake to one backend, classified the way failover and the breaker need it:
// success, declined (3xx/4xx: the backend's answer, passed to the client), failed (5xx, refused,
// reset, bad upgrade), timeout, subprotocol (chose one the client did not offer), client (the
// client's request cannot be sent as is), aborted (the client left while we dialled).
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import type { BackendConfig } from '../config/model.ts';

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
  let ws: WebSocket;
  let tls: TlsOptions;
  try {
    tls = tlsOptions(backend);
  } catch (err) {
    const message = `cannot read TLS file for backend ${backend.id}: ${err instanceof Error ? err.message : err}`;
    return { result: Promise.resolve({ ok: false, kind: 'failed', status: 502, message }), abort() {} };
  }
  try {
    ws = new WebSocket(
      backendUrl(backend.url, request.path),
      request.protocols.length > 0 ? request.protocols : undefined,
      {
        headers: request.headers as Record<string, string>,
        perMessageDeflate: backend.compression,
        maxPayload: request.maxPayload,
        followRedirects: false,
        ...tls,
      },
    );
  } catch (err) {
    // http.request or ws refused the client's headers or subprotocol names: the client's fault.
    const message = err instanceof Error ? err.message : String(err);
    return { result: Promise.resolve({ ok: false, kind: 'client', status: 400, message }), abort() {} };
  }

  let aborted = false;
  let settle: (r: DialResult) => void = () => {};
  const result = new Promise<DialResult>((resolve) => {
    settle = resolve;
  });
  let passHeaders: Record<string, string | string[]> = {};
  /** The backend's real choice; '' when it chose none (RFC 6455 allows that). */
  let chosen: string | undefined;
  let done = false;
  // Our own deadline rather than ws's handshakeTimeout: that one is a socket idle timeout, whose
  // cleared Timer and 'timeout' listener stay on the backend socket for the session's lifetime.
  const timer =
    backend.handshakeTimeoutMs > 0
      ? setTimeout(() => {
          finish({ ok: false, kind: 'timeout', status: 504, message: 'Opening handshake has timed out' });
        }, backend.handshakeTimeoutMs)
      : undefined;
  const finish = (r: DialResult) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    ws.removeAllListeners();
    if (!r.ok) {
      ws.on('error', ignore);
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    }
    settle(r);
  };

  ws.on('upgrade', (res: IncomingMessage) => {
    passHeaders = pickHeaders(res, backend.passHeaders);
    const answered = res.headers['sec-websocket-protocol'];
    chosen = typeof answered === 'string' ? answered : '';
    // ws aborts a handshake whose server chose no subprotocol from a non-empty offer ("Server sent
    // no subprotocol"); wsbalancer and RFC 6455 accept it (the session has no subprotocol). ws
    // checks the header after this event, so satisfy its check; `chosen` keeps the real answer.
    if (answered === undefined && request.protocols.length > 0) {
      res.headers['sec-websocket-protocol'] = request.protocols[0];
    }
  });
  ws.on('unexpected-response', (req, res: IncomingMessage) => {
    const status = res.statusCode ?? 502;
    req.destroy();
    res.resume();
    if (status >= 300 && status < 500) {
      finish({ ok: false, kind: 'declined', status, message: `backend answered ${status}` });
    } else {
      finish({ ok: false, kind: 'failed', status: 502, message: `backend answered ${status}` });
    }
  });
  ws.on('open', () => {
    const protocol = chosen ?? ws.protocol;
    if (request.requireProtocol !== undefined && protocol !== request.requireProtocol) {
      finish({
        ok: false,
        kind: 'subprotocol',
        status: 502,
        message: `backend chose subprotocol "${protocol}", the session uses "${request.requireProtocol}"`,
      });
      return;
    }
    // Hold what the backend sends until a session attaches its listeners (the client may still
    // be upgrading): a greeting sent on connect would otherwise be emitted to no one.
    ws.pause();
    finish({ ok: true, ws, protocol, passHeaders });
  });
  ws.on('error', (err: Error) => {
    if (aborted) {
      finish({ ok: false, kind: 'aborted', status: 499, message: 'client left during the dial' });
    } else if (/subprotocol/i.test(err.message)) {
      finish({ ok: false, kind: 'subprotocol', status: 502, message: err.message });
    } else {
      finish({ ok: false, kind: 'failed', status: 502, message: err.message });
    }
  });
  ws.on('close', () => {
    finish({
      ok: false,
      kind: aborted ? 'aborted' : 'failed',
      status: 502,
      message: 'closed during handshake',
    });
  });

  return {
    result,
    abort() {
      if (done) return;
      aborted = true;
      finish({ ok: false, kind: 'aborted', status: 499, message: 'client left during the dial' });
    },
  };
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

function pickHeaders(res: IncomingMessage, names: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of names) {
    const value = res.headers[name.toLowerCase()];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function ignore(): void {}
