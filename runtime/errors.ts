// Every error Sluice reports, in one table: a stable code, the sentence users read, the HTTP
// status for handshakes and admin calls, and the WebSocket close code for sessions.
// docs/errors.md lists them.

export interface ErrorSpec {
  message: string;
  http: number;
  close: number;
}

export const ERRORS = {
  SLUICE_ERR_NOT_WEBSOCKET: { message: 'not a WebSocket upgrade request', http: 400, close: 1002 },
  SLUICE_ERR_BAD_VERSION: { message: 'unsupported Sec-WebSocket-Version (use 13)', http: 426, close: 1002 },
  SLUICE_ERR_ORIGIN: { message: 'origin not allowed by server.allowed-origins', http: 403, close: 1008 },
  SLUICE_ERR_PAUSED: { message: 'frontend paused by the admin API', http: 503, close: 1013 },
  SLUICE_ERR_DRAINING: { message: 'shutting down', http: 503, close: 1001 },
  SLUICE_ERR_NO_BACKEND: { message: 'no backend could be reached', http: 502, close: 1013 },
  SLUICE_ERR_BACKEND_DECLINED: { message: 'the backend declined the handshake', http: 502, close: 1008 },
  SLUICE_ERR_BAD_SUBPROTOCOL: {
    message: 'the backend chose a subprotocol the client did not offer',
    http: 502,
    close: 1013,
  },
  SLUICE_ERR_MESSAGE_TOO_BIG: {
    message: 'message larger than server.max-message-size',
    http: 413,
    close: 1009,
  },
  SLUICE_ERR_QUEUE_OVERFLOW: {
    message: 'too many messages queued while failing over',
    http: 503,
    close: 1013,
  },
  SLUICE_ERR_FLAPPING: {
    message: 'backend connection flapping (max-reconnects exceeded)',
    http: 503,
    close: 1013,
  },
  SLUICE_ERR_STALLED: { message: 'peer stopped reading (stall-timeout)', http: 503, close: 1008 },
  SLUICE_ERR_AUTH_DECLINED: {
    message: 'the backend declined the reconnect (401/403)',
    http: 403,
    close: 1008,
  },
  SLUICE_ERR_PING_TIMEOUT: { message: 'peer did not answer ping in time', http: 504, close: 1011 },
  SLUICE_ERR_VALVE: { message: 'valve error', http: 500, close: 1011 },
  SLUICE_ERR_SESSION_ABORTED: { message: 'session aborted by the admin API', http: 200, close: 1000 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** Close codes that must never be sent on the wire (RFC 6455 §7.4.1). */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** Cuts a close reason to 123 bytes of UTF-8 without splitting a character. */
export function clampCloseReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let out = reason.slice(0, 123);
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}
